"""/api/v1 as the one-stop software uses it: cases, keys, errors, receipt, figures, book."""

import inspect
import io
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from PIL import Image, ImageChops
from pypdf import PdfReader
from sqlalchemy import event
from sqlmodel import select

from handlers.context import Context
from office.keys import list_keys, revoke_key
from office.receipts import qr_png
from storage.models import AuditEntry, BookPage, Case, Person, Ward
from tests.web.conftest import USERNAME, Keys, bearer
from web import api

CASE = {"ward": "NGHIA-TAN", "code": "HS-2026/001", "procedure": "Đăng ký khai sinh"}
ENCODED = "HS-2026%2F001"  # a case code may hold "/": clients encode it in the path


async def cases_in(ctx: Context) -> list[Case]:
    async with ctx.db() as session:
        return list((await session.exec(select(Case))).all())


def error_of(answer: httpx.Response) -> dict[str, str | None]:
    body = answer.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]  # type: ignore[no-any-return]


async def test_a_case_registered_returned_and_read(
    client: httpx.AsyncClient, keys: Keys, ctx: Context
) -> None:
    body = {**CASE, "received_at": "2026-12-01T08:30:00+07:00", "desk": 2}
    created = await client.post("/api/v1/cases", json=body, headers=bearer(keys.ward))
    assert created.status_code == 201, created.text
    case = created.json()
    (stored,) = await cases_in(ctx)
    assert case["telegram_link"] == f"https://t.me/{USERNAME}?start=c_{stored.token}"
    assert case["zalo_code"] == f"c_{stored.token}"
    assert re.fullmatch(r"[1-9][0-9]{5}", case["short_code"]), case  # issue 11, point 7
    assert case["zalo_line"] == f'Zalo: gửi "{case["short_code"]}" tới Zalo Sổ góp ý'
    assert case["status"] == "registered" and case["ward_name"] == "Phường Nghĩa Tân"
    assert case["received_at"] == "2026-12-01T01:30:00Z" and case["desk"] == 2
    assert case["qr_url"] == f"/api/v1/cases/{ENCODED}/qr.png"
    assert case["receipt_url"] == f"/api/v1/cases/{ENCODED}/receipt.pdf"

    again = await client.post("/api/v1/cases", json=CASE, headers=bearer(keys.ward))
    assert again.status_code == 200 and again.json() == case
    conflict = await client.post(
        "/api/v1/cases", json={**CASE, "procedure": "Kết hôn"}, headers=bearer(keys.ward)
    )
    assert conflict.status_code == 409 and error_of(conflict)["field"] == "code"

    done = await client.post(f"/api/v1/cases/{ENCODED}/done", headers=bearer(keys.ward))
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done.json()["done_at"] == ctx.clock().isoformat().replace("+00:00", "Z")
    ctx.clock.advance(minutes=5)  # type: ignore[attr-defined]
    repeated = await client.post(f"/api/v1/cases/{ENCODED}/done", headers=bearer(keys.city))
    assert repeated.status_code == 200 and repeated.json() == done.json()  # a no-op
    read = await client.get(f"/api/v1/cases/{ENCODED}", headers=bearer(keys.ward))
    assert read.json()["status"] == "done"
    assert len(await cases_in(ctx)) == 1


async def test_the_status_follows_the_citizen(
    client: httpx.AsyncClient, keys: Keys, ctx: Context
) -> None:
    await client.post("/api/v1/cases", json=CASE, headers=bearer(keys.ward))
    async with ctx.db() as session:
        person = Person(platform="telegram", chat_id="1001")
        session.add(person)
        await session.flush()
        (case,) = (await session.exec(select(Case))).all()
        case.person_id = person.id
        await session.commit()
    read = await client.get(f"/api/v1/cases/{ENCODED}", headers=bearer(keys.ward))
    assert read.json()["status"] == "linked"


async def test_absolute_links_with_a_public_url(
    client: httpx.AsyncClient, keys: Keys, state: object
) -> None:
    state.public_url = "https://gopy.example.vn"  # type: ignore[attr-defined]
    created = await client.post("/api/v1/cases", json=CASE, headers=bearer(keys.ward))
    assert created.json()["qr_url"] == f"https://gopy.example.vn/api/v1/cases/{ENCODED}/qr.png"


@pytest.mark.parametrize(
    "route",
    [
        ("GET", f"/api/v1/cases/{ENCODED}"),
        ("POST", f"/api/v1/cases/{ENCODED}/done"),
        ("GET", f"/api/v1/cases/{ENCODED}/qr.png"),
        ("GET", f"/api/v1/cases/{ENCODED}/receipt.pdf"),
    ],
)
async def test_a_ward_key_touches_only_its_ward(
    client: httpx.AsyncClient, keys: Keys, ctx: Context, route: tuple[str, str]
) -> None:
    await client.post("/api/v1/cases", json=CASE, headers=bearer(keys.ward))
    method, path = route
    refused = await client.request(method, path, headers=bearer(keys.other))
    assert refused.status_code == 403 and error_of(refused)["code"] == "other_ward"
    assert (await cases_in(ctx))[0].done_at is None
    allowed = await client.request(method, path, headers=bearer(keys.city))
    assert allowed.status_code == 200


async def test_a_ward_key_registers_no_case_for_another_ward(
    client: httpx.AsyncClient, keys: Keys, ctx: Context
) -> None:
    refused = await client.post("/api/v1/cases", json=CASE, headers=bearer(keys.other))
    assert refused.status_code == 403 and error_of(refused)["field"] == "ward"
    for query in ("ward=nghia-tan", "ward=NGHIA-TAN&by=ward"):
        figures = await client.get(f"/api/v1/figures?{query}", headers=bearer(keys.other))
        assert figures.status_code == 403
    book = await client.get("/api/v1/book?ward=NGHIA-TAN", headers=bearer(keys.other))
    assert book.status_code == 403
    assert await cases_in(ctx) == []


async def test_no_key_a_wrong_key_and_a_revoked_key_are_401(
    client: httpx.AsyncClient, keys: Keys, ctx: Context
) -> None:
    async with ctx.db() as session:
        first = (await list_keys(session))[0]
        await revoke_key(session, first.id)
    for headers in (
        {},
        bearer(keys.ward),  # revoked
        bearer(keys.city[:-2] + "xx"),
        bearer("not-a-key"),
        {"Authorization": f"Basic {keys.city}"},
    ):
        answer = await client.post("/api/v1/cases", json=CASE, headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["www-authenticate"] == "Bearer"
        assert error_of(answer)["code"] in ("no_key", "bad_key")
    assert await cases_in(ctx) == []
    assert (await client.get("/api/v1/book", headers=bearer(keys.city))).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CASE, "code": "HS 1"}, "code"),
        ({"ward": "NGHIA-TAN", "code": "HS-1"}, "procedure"),
        ({**CASE, "received_at": "2026-12-01T08:30:00"}, "received_at"),
        ({**CASE, "desk": "một"}, "desk"),
        ({**CASE, "desk": 0}, "desk"),
        ({**CASE, "ward": "KHONG-CO"}, "ward"),
        ([1, 2], "body"),
    ],
)
async def test_bad_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, keys: Keys, ctx: Context, body: object, field: str
) -> None:
    answer = await client.post("/api/v1/cases", json=body, headers=bearer(keys.city))
    assert answer.status_code in (404, 422), answer.text
    assert error_of(answer)["field"] == field
    assert await cases_in(ctx) == []


async def test_errors_are_json_with_a_code(client: httpx.AsyncClient, keys: Keys) -> None:
    broken = await client.post(
        "/api/v1/cases",
        content=b"{not json",
        headers={**bearer(keys.city), "Content-Type": "application/json"},
    )
    assert broken.status_code == 422 and error_of(broken)["field"] == "body"
    unknown = await client.get("/api/v1/cases/HS-404", headers=bearer(keys.city))
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "unknown_case"
    assert error_of(await client.get("/api/v1/nothing"))["code"] == "not_found"
    assert (await client.delete("/api/v1/cases")).status_code == 405
    bad_by = await client.get("/api/v1/figures?by=district", headers=bearer(keys.city))
    assert bad_by.status_code == 422 and error_of(bad_by)["field"] == "by"
    period = await client.get(
        "/api/v1/book?since=2026-12-02&until=2026-12-01", headers=bearer(keys.city)
    )
    assert period.status_code == 422 and error_of(period)["field"] == "since"
    ancient = await client.get("/api/v1/book?until=0001-01-01", headers=bearer(keys.city))
    assert ancient.status_code == 422 and error_of(ancient)["field"] == "until"  # was a 500
    not_utf8 = await client.post(
        "/api/v1/cases",
        content=b'{"ward": "\xff"}',
        headers={**bearer(keys.city), "Content-Type": "application/json"},
    )
    assert not_utf8.status_code == 422 and error_of(not_utf8)["field"] == "body"  # was a 400


async def test_a_large_body_is_refused_unread(
    client: httpx.AsyncClient, keys: Keys, ctx: Context
) -> None:
    huge = {**CASE, "procedure": "x" * 70_000}
    answer = await client.post("/api/v1/cases", json=huge, headers=bearer(keys.city))
    assert answer.status_code == 413 and error_of(answer)["code"] == "too_large"

    async def streamed() -> object:
        for _ in range(70):
            yield b"x" * 1024

    chunked = await client.post(
        "/api/v1/cases",
        content=streamed(),
        headers=bearer(keys.city),  # type: ignore[arg-type]
    )
    assert chunked.status_code == 413
    assert await cases_in(ctx) == []


async def test_the_receipt_carries_the_qr_code_and_the_text(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    procedure = "Chứng thực bản sao từ bản chính giấy tờ, văn bản"
    created = await client.post(
        "/api/v1/cases", json={**CASE, "procedure": procedure}, headers=bearer(keys.ward)
    )
    link = created.json()["telegram_link"]
    answer = await client.get(created.json()["receipt_url"], headers=bearer(keys.ward))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    (page,) = PdfReader(io.BytesIO(answer.content)).pages
    assert round(float(page.mediabox.width) / 72 * 25.4) == 105  # A6: 105 × 148 mm
    words = " ".join(page.extract_text().split())
    for expected in (
        "Phường Nghĩa Tân",
        "Mã hồ sơ: HS-2026/001",
        procedure,
        created.json()["zalo_line"],
        f"Mã số: {created.json()['short_code']}",
        "Quét mã QR",
        "đánh giá mức độ hài lòng",
    ):
        assert expected in words, expected
    (image,) = page.images
    expected_qr = Image.open(io.BytesIO(qr_png(link))).convert("L")
    shown = image.image.convert("L")  # type: ignore[union-attr]
    assert shown.size == expected_qr.size
    assert ImageChops.difference(shown, expected_qr).getbbox() is None  # the link's QR code

    qr = await client.get(created.json()["qr_url"], headers=bearer(keys.ward))
    assert qr.headers["content-type"] == "image/png"
    assert qr.content == qr_png(link)


async def test_the_book_never_names_an_anonymous_author(
    client: httpx.AsyncClient, keys: Keys, ctx: Context, ward: Ward
) -> None:
    now = ctx.clock()
    async with ctx.db() as session:
        person = Person(platform="telegram", chat_id="1001", name="Nguyễn Văn An")
        session.add(person)
        await session.flush()
        assert person.id is not None and ward.id is not None
        for number, signed in ((1, False), (2, True)):
            session.add(
                BookPage(
                    ward_id=ward.id, page_no=number, person_id=person.id, text=f"Trang <{number}>",
                    signed=signed, author_name="Nguyễn Văn An" if signed else None,
                    consent_at=now, created_at=now - timedelta(days=number),
                    seen_by_name="Trần Bình" if signed else None,
                    seen_at=now if signed else None,
                )
            )  # fmt: skip
        await session.commit()
    book = await client.get("/api/v1/book", headers=bearer(keys.ward))
    assert book.status_code == 200, book.text
    pages = book.json()["pages"]
    assert [(p["page"], p["author"], p["status"]) for p in pages] == [
        (1, "Ẩn danh", "unread"),
        (2, "Nguyễn Văn An", "seen"),
    ]
    assert pages[0]["text"] == "Trang <1>" and pages[0]["time"].endswith("+07:00")
    assert "Nguyễn Văn An" not in str(pages[0]) and "1001" not in book.text
    async with ctx.db() as session:  # the key that was shown a name is in the audit trail
        audit = (await session.exec(select(AuditEntry))).all()
    assert [(a.actor_kind, a.action, a.how, a.detail) for a in audit] == [
        ("apikey", "read_book", "api", "1 named pages")
    ]
    unread = await client.get("/api/v1/book?status=unread", headers=bearer(keys.ward))
    assert [p["page"] for p in unread.json()["pages"]] == [1]
    elsewhere = await client.get("/api/v1/book?ward=DICH-VONG", headers=bearer(keys.city))
    assert elsewhere.json()["pages"] == []


async def test_the_figures_are_the_reports(
    client: httpx.AsyncClient, keys: Keys, ctx: Context
) -> None:
    from office.figures import figures, report_json

    today = ctx.clock().astimezone(ctx.timezone).date()
    answer = await client.get("/api/v1/figures?by=ward&since=2026-11-01", headers=bearer(keys.city))
    assert answer.status_code == 200, answer.text
    async with ctx.db() as session:
        report = await figures(
            session, zone=ctx.timezone, since=today.replace(day=1), until=today, by="ward"
        )
    assert answer.json() == report_json(report)
    quarter = await client.get(
        "/api/v1/figures?period=2026-Q3&by=month&source=broadcast", headers=bearer(keys.city)
    )
    assert quarter.status_code == 200, quarter.text
    body = quarter.json()
    assert (body["since"], body["until"], body["source"]) == (
        "2026-07-01",
        "2026-09-30",
        "broadcast",
    )
    assert [row["key"] for row in body["rows"]] == ["2026-07", "2026-08", "2026-09"]
    assert body["previous"]["since"] == "2026-04-01" and body["overall"]["no_opinion"] == 0
    both = await client.get(
        "/api/v1/figures?period=2026&since=2026-01-01", headers=bearer(keys.city)
    )
    assert both.status_code == 422 and error_of(both)["field"] == "period"
    bad = await client.get("/api/v1/figures?period=2026-13", headers=bearer(keys.city))
    assert bad.status_code == 422 and error_of(bad)["field"] == "period"
    mine = await client.get("/api/v1/figures", headers=bearer(keys.ward))
    assert mine.json()["ward"] == "NGHIA-TAN"


async def test_health_and_docs(client: httpx.AsyncClient, state: object) -> None:
    assert (await client.get("/health")).json() == {"ok": True}
    docs = await client.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    schema = (await client.get("/api/openapi.json")).json()
    assert "/api/v1/cases" in schema["paths"] and "/api/v1/cases/{code}/done" in schema["paths"]
    examples = schema["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"][
        "application/json"
    ]["examples"]
    assert {"vi", "en"} <= set(examples)
    state.ready = False  # type: ignore[attr-defined]
    assert (await client.get("/health")).status_code == 503


async def test_a_city_key_may_name_the_ward_by_its_vietnamese_name(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    """Issue 11, point 12: the office turns a ward's name into its code, for every door."""
    city = bearer(keys.city)
    created = await client.post(
        "/api/v1/cases", json={**CASE, "ward": "Phường Nghĩa Tân"}, headers=city
    )
    assert created.status_code == 201, created.text
    assert created.json()["ward"] == "NGHIA-TAN"
    again = await client.post("/api/v1/cases", json={**CASE, "ward": "nghia tan"}, headers=city)
    assert again.status_code == 200 and again.json() == created.json()


@pytest.mark.any_database
def test_no_dependency_of_a_route_runs_in_a_worker_thread(app: FastAPI) -> None:
    """FastAPI runs a plain `def` dependency in its thread pool: a thread hop on every
    request (the state's was a third of a case registration on a busy machine)."""

    def in_the_loop(call: object) -> bool:
        return any(
            inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)
            for function in (call, getattr(call, "__call__", None))  # noqa: B004
        )

    def calls(dependant: Dependant) -> Iterator[object]:
        for dependency in dependant.dependencies:
            yield dependency.call
            yield from calls(dependency)

    every = [*app.routes, *api.router.routes]  # the API's own are behind an included router
    routes = [route for route in every if isinstance(route, APIRoute)]
    assert any(route.path == "/api/v1/cases" for route in routes)
    threaded = {
        f"{route.path}: {getattr(call, '__name__', call)}"
        for route in routes
        for call in calls(route.dependant)
        if not in_the_loop(call)
    }
    assert not threaded, sorted(threaded)


async def test_a_registration_and_its_return_take_few_round_trips(
    client: httpx.AsyncClient, keys: Keys, ctx: Context
) -> None:
    """Issue 12's throughput: the key brings its ward, the INSERT finds an existing code
    itself, and the case's six-digit code comes with it (12 and 7 statements before)."""
    engine = ctx.db.kw["bind"]
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        created = await client.post("/api/v1/cases", json=CASE, headers=bearer(keys.ward))
        assert created.status_code == 201 and created.json()["short_code"].isdigit()
        registered = len(statements)
        statements.clear()
        done = await client.post(f"/api/v1/cases/{CASE['code']}/done", headers=bearer(keys.ward))
        assert done.status_code == 200 and done.json()["short_code"] == created.json()["short_code"]
        returned = len(statements)
        statements.clear()
        again = await client.post("/api/v1/cases", json=CASE, headers=bearer(keys.ward))
        assert again.status_code == 200 and again.json()["code"] == CASE["code"]
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert (registered, returned) == (3, 3)  # key and ward; the case; its code / the UPDATE


async def test_a_ward_key_may_name_its_own_ward_by_name_and_no_other(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    """A ward's name is taken for its code with a ward's key too; another ward, named
    either way, or a ward that does not exist is 403 (the key learns nothing of them)."""
    mine = bearer(keys.ward)
    created = await client.post("/api/v1/cases", json={**CASE, "ward": "Nghĩa Tân"}, headers=mine)
    assert created.status_code == 201, created.text
    assert created.json()["ward"] == "NGHIA-TAN"
    for other in ("Dịch Vọng", "DICH-VONG", "Không Có"):
        refused = await client.post(
            "/api/v1/cases", json={**CASE, "code": "HS-9", "ward": other}, headers=mine
        )
        assert refused.status_code == 403, (other, refused.text)
        assert error_of(refused)["field"] == "ward"
    book = await client.get("/api/v1/book", params={"ward": "phuong nghia tan"}, headers=mine)
    assert book.status_code == 200, book.text
