"""A citizen's data rights in the chat: the notice, /dulieucuatoi, /xoadulieu, /angdanh.

The short notice rides on the first reply a person gets (once per notice version), so
an elderly citizen reads one paragraph, not a wall of text; /quyenriengtu has the rest.
Withdrawing the name is both a command (/angdanh) and a button under /dulieucuatoi.
"""

from dataclasses import replace
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import leaders
from handlers.catalogue import say
from handlers.context import Context
from handlers.events import Choice, Incoming, Reply, Response
from office import audit
from office.privacy import (
    NOTICE_VERSION,
    data_file,
    erase,
    person_data,
    subject,
    withdraw_name,
)
from storage.models import ERASED, BookPage, Person
from storage.queries import kind_of

PRIVACY = "p"  # callback data: p:<e erase | c erase with content | n keep | w withdraw>:<person>
# retention counts in months: the activity is kept to the hour, so a survey's presses
# do not each rewrite the person's row (the hot path's statement count stays as it was)
ACTIVITY_GRAIN = timedelta(hours=1)


async def with_notice(
    session: AsyncSession, ctx: Context, person: Person, response: Response
) -> Response:
    """Note the person's activity; on first contact, add the short notice to the first reply."""
    if person.platform == ERASED:
        return response  # erased by this very event: nothing more is kept about them
    now = ctx.clock()
    if person.last_seen_at is None or now - person.last_seen_at > ACTIVITY_GRAIN:
        person.last_seen_at = now
    if (person.notice_version or 0) >= NOTICE_VERSION:
        return response
    # a paragraph on the first new plain message here, never a message more; a question
    # with buttons stays exactly as asked (the next plain reply carries the notice)
    index = next(
        (
            index
            for index, reply in enumerate(response.replies)
            if reply.to is None
            and reply.edit is None
            and not reply.choices
            and not reply.photo
            and reply.image is None
        ),
        None,
    )
    if index is None:
        return response
    kind = await kind_of(session, person.ward_id)
    notice = say(person.language, "privacy_notice_short", months=ctx.retention_months, kind=kind)
    reply = response.replies[index]
    response.replies[index] = replace(reply, text=f"{reply.text}\n\n{notice}")
    person.notice_version, person.notice_at = NOTICE_VERSION, now
    return response


def full_notice(ctx: Context, person: Person, kind: str | None) -> Response:
    """/quyenriengtu: who holds what, why, how long, and how each right is served."""
    text = say(person.language, "privacy_notice_full", months=ctx.retention_months, kind=kind)
    return Response([Reply(text)])


async def my_data(session: AsyncSession, ctx: Context, person: Person) -> Response:
    """/dulieucuatoi: a summary here and the whole of it as a JSON file."""
    language = person.language
    data = await person_data(session, person, ctx.timezone)
    none = say(language, "my_data_none")
    cases = ", ".join(str(case["code"]) for case in data["cases"]) or none  # type: ignore[attr-defined,index]
    surveys: list[dict[str, list[object]]] = data["surveys"]  # type: ignore[assignment]
    pages: list[dict[str, object]] = data["suggestions"]  # type: ignore[assignment]
    named = sum(1 for page in pages if page["author_shown"])
    optin = {None: "my_data_optin_unasked", True: "my_data_yes", False: "my_data_no"}
    summary = say(
        language,
        "my_data",
        name=person.name or none,
        platform=person.platform.capitalize(),
        chat=person.chat_id,
        cases=cases,
        surveys=len(surveys),
        answers=sum(len(run["answers"]) for run in surveys),
        pages=len(pages),
        named=named,
        optin=say(language, optin[person.optin]),
    )
    choices = (Choice(say(language, "btn_withdraw_name"), f"{PRIVACY}:w:{person.id}"),)
    day = ctx.clock().astimezone(ctx.timezone).strftime("%Y-%m-%d")
    audit.record(
        session, actor="citizen", actor_kind="citizen", action="export_own_data",
        subject=subject(person), how=person.platform, at=ctx.clock(),
    )  # fmt: skip
    document = (f"du-lieu-cua-toi-{day}.json", data_file(data))
    return Response([Reply(summary, choices if named else (), document=document)])


def erase_start(person: Person) -> Response:
    """/xoadulieu: what each kind of erasure does, and a confirmation."""
    language = person.language
    choices = (
        Choice(say(language, "btn_erase"), f"{PRIVACY}:e:{person.id}"),
        Choice(say(language, "btn_erase_content"), f"{PRIVACY}:c:{person.id}"),
        Choice(say(language, "btn_keep"), f"{PRIVACY}:n:{person.id}"),
    )
    return Response([Reply(say(language, "erase_confirm"), choices)])


async def _leaders_copies(
    session: AsyncSession, ctx: Context, pages: list[BookPage]
) -> list[Reply]:
    """Leaders' notifications of these pages, redrawn as the pages now are."""
    edits: list[Reply] = []
    for page in pages:
        edits.extend(await leaders.page_edits(session, ctx, page))
    return edits


async def withdraw(
    session: AsyncSession, ctx: Context, person: Person, edit: int | None = None
) -> Response:
    """/angdanh (or its button): every signed page becomes «Ẩn danh» everywhere."""
    language = person.language
    pages = await withdraw_name(session, person)
    if not pages:
        return Response([Reply(say(language, "name_withdrawn_none"))])
    audit.record(
        session, actor="citizen", actor_kind="citizen", action="withdraw_name",
        subject=subject(person), how=person.platform, at=ctx.clock(),
        detail=f"{len(pages)} pages",
    )  # fmt: skip
    kind = await kind_of(session, person.ward_id)
    done = Reply(say(language, "name_withdrawn", count=len(pages), kind=kind))
    return Response([done, *await _leaders_copies(session, ctx, pages)])


async def on_choice(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    """The buttons of /xoadulieu and /dulieucuatoi; only for the person they were shown to."""
    language = person.language
    parts = event.choice.split(":")
    if len(parts) != 3 or parts[2] != str(person.id) or parts[1] not in "ecnw":
        return Response(notice=say(language, "bad_button"))
    action = parts[1]
    if action == "n":
        return Response([Reply(say(language, "erase_kept"), edit=event.message_id, replaces=True)])
    if action == "w":
        return await withdraw(session, ctx, person)
    how = person.platform
    erasure = await erase(session, person, content=action == "c", now=ctx.clock())
    audit.record(
        session, actor="citizen", actor_kind="citizen", action="erase",
        subject=subject(person), how=how, at=ctx.clock(),
        detail="with content" if action == "c" else "",
    )  # fmt: skip
    done = Reply(say(language, "erased"), edit=event.message_id, replaces=True)
    return Response([done, *await _leaders_copies(session, ctx, erasure.pages)])
