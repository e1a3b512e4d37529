"""Every console route, as every kind of visitor, with forged input: never a 5xx, and
every refusal an HTML page in Vietnamese from the catalogue with a sensible status.

The routes are read from the app itself (paths, methods, path, query and form
parameters), so a new route is walked without a line here. Each request varies one
input from a valid baseline: path parameters out of range, not numbers or not UTF-8;
query parameters likewise; form fields missing, long, with NUL and control bytes, not
UTF-8; bodies of the wrong type; a missing or forged CSRF token; another ward's code.
NUL bytes only break PostgreSQL (SQLite stores them), so run it on both.
"""

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, get_args
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI, UploadFile
from fastapi.routing import APIRoute
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from starlette.routing import BaseRoute

from handlers.catalogue import OFFICE_TEXTS
from handlers.context import Context
from handlers.survey_library import PACKAGED
from office import webusers
from office.broadcasts import create_broadcast
from office.cases import register_case
from office.keys import create_key
from office.leaders import invite_leader
from storage.models import Ward
from tests.conftest import add_ward
from tests.handlers.test_leaders import join
from tests.office.test_console import write_pages
from tests.web.conftest import Keys, bearer
from tests.web.test_console import csrf_of, log_in, new_user, set_password
from tests.web.test_console_admin import opted_in
from web.console import CSRF_COOKIE, SESSION_COOKIE
from web.errors import BODY_LIMIT

ROLES = ("clerk", "leader", "admin", "nobody", "forger")
SENSIBLE = {400, 403, 404, 405, 409, 413, 422}
SCRIPT_SENSIBLE = SENSIBLE | {401}  # a JSON route's script is told to log in again
JSON_ROUTES = {"/console/admin/broadcasts/{broadcast_id}/progress"}  # read by a page's script
HUGE = "99999999999999999999"
NUMBERS = ("-1", "0", HUGE, "2147483648", "abc", "²", "1%00", "%FF")
TEXTS = ("A%00B", "%01%1B%7F", "%FF%FE", "a" * 3000, "..%2F..")
WARDS = ("DICH-VONG", "KHONG-CO", "nghia-tan")
FIELD_VALUES = ("a\x00b", "\x01\x1b\x7f\ufffe", "a" * 20_000, HUGE, "²")
RAW_VALUES = (b"%FF%FE", b"\xff\xc3", b"%zz%")
TOO_LARGE = b"x" * (BODY_LIMIT + 1)
SAMPLE = 5
VALID_PATH = {"ward": "NGHIA-TAN", "code": "HS-1", "token": "t0k3n", "page_no": "1"}
VALID_FORM = {
    "code": "HS-9",
    "procedure": "Khai sinh",
    "desk": "1",
    "name": "Lê Thị Hoa",
    "password": "sai mật khẩu",
    "old": "sai mật khẩu",  # never the right one: the walk would end its own session
    "new": "mật khẩu mới dài đủ",
    "days": "7",
    "ward": "NGHIA-TAN",
    "wards": "NGHIA-TAN",
    "codes": "HS-1",
    "survey": "sipas",
    "text": "Cảm ơn bà con",
    "done": "on",
    "drop": "on",
}


def _pattern(text: str) -> str:
    """A catalogue line as a regular expression, its `{values}` matching anything."""
    return ".*".join(re.escape(part) for part in re.split(r"\{[^}]*\}", text))


CATALOGUE = re.compile("|".join(_pattern(vi) for vi, _ in OFFICE_TEXTS.values()), re.S)
SHOWN = re.compile(r'<h1>(.*?)</h1>|<p class="error"[^>]*>(.*?)</p>', re.S)


@dataclass(frozen=True)
class Probe:
    """One forged request, and what it forged (for the report)."""

    method: str
    route: str
    url: str
    forged: str
    content: bytes | None = None
    content_type: str | None = None


def _annotation(field: Any) -> Any:
    return field.field_info.annotation


def _is_int(field: Any) -> bool:
    kinds = get_args(_annotation(field)) or (_annotation(field),)
    return int in kinds and bool not in kinds


def _is_file(field: Any) -> bool:
    kinds = get_args(_annotation(field)) or (_annotation(field),)
    return UploadFile in kinds


def _path(route: APIRoute, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values[m[1]], route.path)


def _multipart(fields: dict[str, bytes], boundary: str = "probe") -> tuple[bytes, str]:
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (boundary.encode(), name.encode(), value)
        for name, value in fields.items()
    ]
    return b"".join(parts) + b"--%s--\r\n" % boundary.encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """The app's routes, those of included routers too (FastAPI keeps an included
    router whole, as one route, since 0.16x)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        else:
            yield from api_routes(getattr(getattr(route, "original_router", None), "routes", []))


def probes(app: FastAPI, ids: dict[str, str], csrf: str) -> Iterator[Probe]:
    """Every console route and method, with each input forged in turn."""
    for route in api_routes(app.routes):
        if not route.path.startswith("/console"):
            continue
        params = {field.alias: field for field in route.dependant.path_params}
        valid = {name: ids.get(name, VALID_PATH.get(name, "1")) for name in params}
        form = {f.alias: f for f in route.dependant.body_params if not _is_file(f)}
        multipart = any(_is_file(f) for f in route.dependant.body_params)
        for method in sorted(route.methods):
            base = _path(route, valid)

            def probe(url: str, forged: str, **body: Any) -> Probe:
                return Probe(method, f"{method} {route.path}", url, forged, **body)  # noqa: B023

            yield probe(base, "baseline")
            for name, field in params.items():
                forged = NUMBERS if _is_int(field) else TEXTS + (WARDS if name == "ward" else ())
                for value in forged:
                    yield probe(_path(route, {**valid, name: value}), f"path {name}={value[:20]}")
            for field in route.dependant.query_params:
                for value in NUMBERS if _is_int(field) else ("-1", HUGE, "²", *TEXTS):
                    yield probe(
                        f"{base}?{field.alias}={value}", f"query {field.alias}={value[:20]}"
                    )
            yield probe(f"{base}?%zz=%&%FF=%C3%28", "query not percent-encoded nor UTF-8")
            if method != "POST":
                continue
            baseline = {name: VALID_FORM.get(name, "x") for name in form} | {"csrf": csrf}
            encoded = urlencode(baseline).encode()
            urlencoded = "application/x-www-form-urlencoded"
            yield probe(base, "no body")
            yield probe(base, "csrf forged", content=b"csrf=forged", content_type=urlencoded)
            for name in form:
                missing = urlencode({k: v for k, v in baseline.items() if k != name}).encode()
                yield probe(base, f"form without {name}", content=missing, content_type=urlencoded)
                for value in FIELD_VALUES:
                    data = urlencode({**baseline, name: value}).encode()
                    yield probe(
                        base, f"form {name}={value[:20]!r}", content=data, content_type=urlencoded
                    )
                for raw in RAW_VALUES:
                    data = encoded + b"&" + name.encode() + b"=" + raw
                    yield probe(base, f"form {name}={raw!r}", content=data, content_type=urlencoded)
                if multipart:
                    fields = {k: v.encode() for k, v in baseline.items()}
                    for raw in (b"\xff\xfe", b"a\x00b"):
                        data, kind = _multipart({**fields, name: raw})
                        yield probe(
                            base, f"multipart {name}={raw!r}", content=data, content_type=kind
                        )
            for kind, data in (
                ("application/json", b'{"csrf": "%s"}' % csrf.encode()),
                ("text/plain", encoded),
                ("multipart/form-data", encoded),
                ("multipart/form-data; boundary=x", b"--x\r\ngarbage"),
                (urlencoded + "; charset=latin-1", encoded + b"&q=\xe9"),
                (urlencoded, TOO_LARGE),
            ):
                yield probe(base, f"content-type {kind}", content=data, content_type=kind)


def _defect(probe: Probe, answer: httpx.Response) -> str | None:
    """Why this answer is wrong, or None."""
    status, kind = answer.status_code, answer.headers.get("content-type", "")
    if status >= 500:
        return f"{status}"
    if status < 400:
        return None
    route = probe.route.split(" ", 1)[1]
    if status not in (SCRIPT_SENSIBLE if route in JSON_ROUTES else SENSIBLE):
        return f"{status}: not a status a console page answers with"
    if route in JSON_ROUTES and kind.startswith("application/json"):
        message = answer.json().get("error")
        return None if isinstance(message, str) and CATALOGUE.fullmatch(message) else f"{status}"
    if not kind.startswith("text/html") or '<html lang="vi">' not in answer.text:
        return f"{status} {kind}: {answer.text[:120]}"
    shown = [html.unescape(a or b).strip() for a, b in SHOWN.findall(answer.text)]
    if not any(CATALOGUE.fullmatch(line) for line in shown):
        return f"{status}: no catalogue line shown in {shown}"
    return None


def walks_all(role: str, probe: Probe) -> bool:
    """Whether `role` is sent this forgery, not one in `SAMPLE`: every forgery reaches the
    office's rules once, through the leader on a ward's pages (the clerk's are among
    them) and the admin on the admin's pages and any ward's path. Elsewhere what answers
    is the same parsing, then a redirect to the login or a 403."""
    on_ward = "/console/ward/" in probe.route
    if role == "leader":
        return on_ward
    return role == "admin" and (not on_ward or probe.forged.startswith("path"))


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its least cost: the walk tries passwords by the hundred, and what it
    tests is the answer to a forged form, not the hash's strength."""
    hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    monkeypatch.setattr(webusers, "_HASHER", hasher)
    dummy = hasher.hash("dummy")
    monkeypatch.setattr(webusers, "_dummy_hash", lambda: dummy)


@pytest.fixture
async def ids(ctx: Context, ward: Ward) -> dict[str, str]:
    """A row of each kind a console path names, in NGHIA-TAN, and a ward beside it."""
    await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    await write_pages(ctx, ward, ["Đèn đường hỏng", "Vỉa hè"])
    await join(ctx, ward)
    await opted_in(ctx, ward, 1)
    async with ctx.db() as session:
        await register_case(session, ward="NGHIA-TAN", code="HS-1", procedure="Khai sinh")
        invite = await invite_leader(session, "NGHIA-TAN", now=ctx.clock())
        key, _ = await create_key(session, ward="NGHIA-TAN")
    async with ctx.db() as session:
        made = await create_broadcast(
            session, survey="sipas", folders=[PACKAGED], wards=["NGHIA-TAN"]
        )
    return {
        "invite_id": str(invite.id),
        "key_id": str(key.id),
        "broadcast_id": str(made.broadcast.id),
        "leader_id": "1",
    }


async def visitor(ctx: Context, client: httpx.AsyncClient, role: str) -> dict[str, str]:
    """The cookies of `role` logged in (none for nobody, forged ones for a forger), and a
    CSRF token for its forms."""
    if role == "forger":
        forged = {SESSION_COOKIE: "WzEsMV0.forged.signature", CSRF_COOKIE: "\x7f" * 64}
        return forged | {"csrf": "WzEsMV0.forged.signature"}
    if role != "nobody":
        ward = None if role == "admin" else "NGHIA-TAN"
        _, token = await new_user(ctx, f"Người {role}", role=role, ward=ward)
        await set_password(client, token)
        assert (await log_in(client, f"Người {role}")).status_code == 303
    csrf = csrf_of(await client.get("/console/login"))
    cookies = dict(client.cookies.items())
    client.cookies.clear()
    return cookies | {"csrf": csrf}


@pytest.mark.strictest_database  # a thousand requests a role: once, where most can fail
@pytest.mark.parametrize("role", ROLES)
async def test_no_forged_input_gets_a_server_error_or_a_page_not_in_vietnamese(
    ctx: Context,
    app: FastAPI,
    client: httpx.AsyncClient,
    ids: dict[str, str],
    role: str,
) -> None:
    kept = await visitor(ctx, client, role)
    csrf = kept.pop("csrf")
    cookie = "; ".join(f"{name}={value}" for name, value in kept.items())
    defects: dict[str, list[str]] = {}
    sent = 0
    for index, probe in enumerate(probes(app, ids, csrf)):
        if not (probe.forged == "baseline" or walks_all(role, probe) or index % SAMPLE == 0):
            continue
        headers = {"Cookie": cookie}
        if probe.content_type:
            headers["Content-Type"] = probe.content_type
        answer = await client.request(
            probe.method, probe.url, content=probe.content, headers=headers
        )
        client.cookies.clear()  # a logout or a login must not change who walks on
        sent += 1
        defect = _defect(probe, answer)
        if defect:
            defects.setdefault(f"{probe.route} {defect[:160]}", []).append(probe.forged)
    assert sent > 200 and (role == "nobody" or SESSION_COOKIE in kept)
    assert not defects, "\n".join(f"{k}  ← {v[:6]}" for k, v in sorted(defects.items()))


async def test_the_api_keeps_its_json_errors_naming_the_field(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    """A NUL in a case (a 500 on PostgreSQL before) is refused as the API refuses any bad
    field; a console address the app lacks is a page, an API one stays JSON; `/` leads
    to the console."""
    case = {"ward": "NGHIA-TAN", "code": "HS-1", "procedure": "Khai\x00 sinh"}
    refused = await client.post("/api/v1/cases", json=case, headers=bearer(keys.ward))
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "procedure"
    assert "procedure" in refused.json()["error"]["message"]
    path = await client.get("/api/v1/cases/HS%001", headers=bearer(keys.ward))
    assert path.status_code == 422 and path.json()["error"]["field"] == "code"
    lost = await client.get("/api/v1/nowhere", headers=bearer(keys.ward))
    assert lost.status_code == 404 and lost.json()["error"]["code"] == "not_found"
    root = await client.get("/")
    assert root.status_code == 303 and root.headers["location"] == "/console"
    page = await client.get("/console/nowhere")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy" in page.text
    method = await client.delete("/console/login")
    assert method.status_code == 405 and "không nhận phương thức DELETE" in method.text
