"""A citizen's data rights (Law 91/2025/QH15): see, erase, withdraw; and retention.

The same functions serve the chat (`handlers/privacy.py`) and the desk (`sogopy
privacy …`). Erasure keeps what the ward's figures and book need without the person:
the person's row stays as an anonymous shell (its answers still count, its pages keep
their numbers and signatures), but the name, the chat id and the links to cases go.
Each function works in the caller's transaction.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text, say
from handlers.numbered import fold
from office import audit
from storage.models import (
    ERASED,
    Answer,
    AuditEntry,
    BookPage,
    Case,
    Dialog,
    Draft,
    Leadership,
    Notice,
    NoticeRedraw,
    Person,
    Recipient,
    SessionStatus,
    SurveySession,
    Ward,
    WebPhoto,
)
from storage.queries import case_by_code

NOTICE_VERSION = 1  # raise it when the notice changes: everyone is shown the new one once


class AmbiguousPerson(LookupError):
    """A desk reference that names several people: the matches, for the operator to choose."""

    def __init__(self, ref: str, people: Sequence[Person]) -> None:
        listed = "; ".join(describe(person) for person in people)
        count = len(people)
        super().__init__(office_text("person_ambiguous", ref=ref, count=count, listed=listed))
        self.people = people


def describe(person: Person) -> str:
    """One line naming a person for the operator at the desk."""
    return f"{person.platform} {person.chat_id} ({person.name or office_text('person_no_name')})"


async def find_person(session: AsyncSession, ref: str) -> Person:
    """The one person a desk reference names: a chat id, a case code, or a name as given."""
    ref = ref.strip()
    found: dict[int, Person] = {}
    by_chat = await session.exec(
        select(Person).where(Person.chat_id == ref, Person.platform != ERASED)
    )
    for person in by_chat.all():
        found[person.id or 0] = person
    case = await case_by_code(session, ref)
    if case is not None and case.person_id is not None:
        person = await session.get(Person, case.person_id)
        if person is not None:
            found[person.id or 0] = person
    wanted = fold(ref)
    if wanted:
        named = await session.exec(
            select(Person).where(col(Person.name).is_not(None), Person.platform != ERASED)
        )
        for person in named.all():
            if fold(person.name or "") == wanted:
                found[person.id or 0] = person
    people = list(found.values())
    if not people:
        raise LookupError(office_text("person_unknown", ref=ref))
    if len(people) > 1:
        raise AmbiguousPerson(ref, people)
    return people[0]


def _when(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


async def person_data(session: AsyncSession, person: Person, zone: ZoneInfo) -> dict[str, object]:
    """Everything stored about a person, as plain JSON-ready values (the right to see)."""
    assert person.id is not None
    cases = (
        await session.exec(
            select(Case, Ward)
            .join(Ward, col(Ward.id) == Case.ward_id)
            .where(Case.person_id == person.id)
        )
    ).all()
    runs = (
        await session.exec(
            select(SurveySession, Ward)
            .join(Ward, col(Ward.id) == SurveySession.ward_id)
            .where(SurveySession.person_id == person.id)
            .order_by(col(SurveySession.id))
        )
    ).all()
    answers = (
        await session.exec(
            select(Answer)
            .join(SurveySession, col(SurveySession.id) == Answer.session_id)
            .where(SurveySession.person_id == person.id)
            .order_by(col(Answer.id))
        )
    ).all()
    by_run: dict[int, list[dict[str, object]]] = {}
    for answer in answers:
        by_run.setdefault(answer.session_id, []).append(
            {
                "question": answer.question_code,
                "element": answer.element,
                "level": answer.level,
                "answered_at": _when(answer.answered_at, zone),
            }
        )
    case_codes = {case.id: case.code for case, _ in cases}
    pages = (
        await session.exec(
            select(BookPage, Ward)
            .join(Ward, col(Ward.id) == BookPage.ward_id)
            .where(BookPage.person_id == person.id)
            .order_by(col(BookPage.id))
        )
    ).all()
    broadcasts = await session.exec(
        select(func.count()).select_from(Recipient).where(Recipient.person_id == person.id)
    )
    withdrawals = (
        await session.exec(
            select(AuditEntry).where(
                AuditEntry.subject == subject(person), AuditEntry.action == "withdraw_name"
            )
        )
    ).all()
    return {
        "person": {
            "platform": person.platform,
            "chat_id": person.chat_id,
            "name": person.name,
            "language": person.language,
            "role": person.role,
            "first_contact": _when(person.created_at, zone),
            "last_activity": _when(person.last_seen_at, zone),
        },
        "consents": {
            "privacy_notice": {
                "version": person.notice_version,
                "shown_at": _when(person.notice_at, zone),
            },
            "surveys": {"agreed": person.optin, "at": _when(person.optin_at, zone)},
            "name_on_pages": [
                {
                    "ward": ward.name,
                    "page": page.page_no,
                    "signed": page.signed,
                    "at": _when(page.consent_at, zone),
                }
                for page, ward in pages
            ],
            "name_withdrawn_at": [_when(entry.at, zone) for entry in withdrawals],
        },
        "cases": [
            {
                "code": case.code,
                "procedure": case.procedure,
                "ward": ward.name,
                "linked_at": _when(case.linked_at, zone),
                "done_at": _when(case.done_at, zone),
            }
            for case, ward in cases
        ],
        "surveys": [
            {
                "ward": ward.name,
                "source": run.source,
                "case": case_codes.get(run.case_id) if run.case_id else None,
                "started_at": _when(run.started_at, zone),
                "status": run.status,
                "answers": by_run.get(run.id or 0, []),
            }
            for run, ward in runs
        ],
        "suggestions": [
            {
                "ward": ward.name,
                "page": page.page_no,
                "written_at": _when(page.created_at, zone),
                "text": page.text,
                "photo": page.photo_file_id is not None,
                "author_shown": page.author_name if page.signed else None,
                "seen_by": page.seen_by_name,
                "seen_at": _when(page.seen_at, zone),
                "answer": page.answer_text,
                "answered_by": page.answered_by_name,
                "answered_at": _when(page.answered_at, zone),
            }
            for page, ward in pages
        ],
        "broadcast_surveys_received": int(broadcasts.one()),
    }


def data_file(data: dict[str, object]) -> bytes:
    """The person's data as a JSON file, readable in any text editor."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def subject(person: Person) -> str:
    """A person in the audit trail: the row id only, which outlives an erasure anonymously."""
    return f"person {person.id}"


@dataclass
class Erasure:
    """What an erasure changed: the pages whose leaders' copies must be redrawn."""

    pages: list[BookPage] = field(default_factory=list)


async def _own_pages(session: AsyncSession, person: Person) -> list[BookPage]:
    result = await session.exec(select(BookPage).where(BookPage.person_id == person.id))
    return list(result.all())


async def erase(session: AsyncSession, person: Person, content: bool, now: datetime) -> Erasure:
    """The right to erasure: name, chat id and case links go; answers stay, anonymous.

    The pages stay in the book (numbers and leaders' signatures too) as «Ẩn danh";
    with `content`, their text and photo are replaced as well.
    """
    assert person.id is not None
    pages = await _own_pages(session, person)
    for page in pages:
        page.signed, page.author_name, page.case_id = False, None, None
        if content:
            page.text, page.photo_file_id = say("vi", "erased_content"), None
    for draft in (await session.exec(select(Draft).where(Draft.person_id == person.id))).all():
        await session.delete(draft)
    await session.exec(  # type: ignore[call-overload]
        update(Case).where(col(Case.person_id) == person.id).values(person_id=None, linked_at=None)
    )
    await session.exec(  # type: ignore[call-overload]
        update(SurveySession)
        .where(
            col(SurveySession.person_id) == person.id,
            col(SurveySession.status) == SessionStatus.ACTIVE,
        )
        .values(status=SessionStatus.CANCELLED)
    )
    leading = await session.exec(select(Leadership).where(Leadership.person_id == person.id))
    for leadership in leading.all():  # a leader erased is a leader no more; signatures stay
        leadership.name, leadership.removed_at = "?", leadership.removed_at or now
    # the shell: no platform, chat or name can match it again; a new message is a new person
    person.platform, person.chat_id = ERASED, str(person.id)
    person.name, person.choices, person.ward_id = None, None, None
    person.dialog, person.dialog_ref, person.role = Dialog.IDLE, None, "citizen"
    person.optin, person.optin_at, person.blocked_at = None, None, None
    person.notice_version, person.notice_at, person.last_seen_at = None, None, None
    person.last_message_id, person.language = 0, "vi"
    session.add(person)
    await session.flush()
    return Erasure(pages)


async def queue_redraws(session: AsyncSession, pages: Sequence[BookPage]) -> int:
    """Ask the running bot to redraw the leaders' notifications of these pages (from the desk)."""
    if not pages:
        return 0
    notices = await session.exec(
        select(Notice.id).where(
            col(Notice.page_id).in_([page.id for page in pages]),
            col(Notice.message_id).is_not(None),
        )
    )
    queued = await session.exec(select(NoticeRedraw.notice_id))
    known = set(queued.all())
    new = [notice_id for notice_id in notices.all() if notice_id not in known]
    for notice_id in new:
        session.add(NoticeRedraw(notice_id=notice_id))
    return len(new)


async def withdraw_name(session: AsyncSession, person: Person) -> list[BookPage]:
    """Consent to show one's name withdrawn: every signed page becomes «Ẩn danh»."""
    pages = [page for page in await _own_pages(session, person) if page.signed]
    for page in pages:
        page.signed, page.author_name = False, None
    await session.flush()
    return pages


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day if short)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=moment.tzinfo)
    last_day = (following - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


@dataclass
class Purge:
    """What the retention period removes: inactive people and old pages' photos."""

    cutoff: datetime
    people: list[Person]
    photos: list[BookPage]


async def retention_plan(session: AsyncSession, now: datetime, months: int) -> Purge:
    """Citizens with no activity since the cutoff, and pages older than it with a photo."""
    cutoff = months_before(now, months)
    recent_case = (
        select(Case.id)
        .where(
            col(Case.person_id) == Person.id,
            or_(col(Case.linked_at) >= cutoff, col(Case.done_at) >= cutoff),
        )
        .exists()
    )
    people = await session.exec(
        select(Person)
        .where(
            Person.role == "citizen",
            Person.platform != ERASED,
            func.coalesce(col(Person.last_seen_at), col(Person.created_at)) < cutoff,
            ~recent_case,
        )
        .order_by(col(Person.id))
    )
    photos = await session.exec(
        select(BookPage)
        .where(
            col(BookPage.created_at) < cutoff,
            or_(
                col(BookPage.photo_file_id).is_not(None),
                col(BookPage.answer_photo_file_id).is_not(None),
            ),
        )
        .order_by(col(BookPage.id))
    )
    return Purge(cutoff, list(people.all()), list(photos.all()))


async def purge(
    session: AsyncSession, now: datetime, months: int, actor: str, actor_kind: str, how: str
) -> Purge:
    """Apply the retention period: anonymize the inactive, drop old photos; audited."""
    plan = await retention_plan(session, now, months)
    for person in plan.people:
        await queue_redraws(session, (await erase(session, person, False, now)).pages)
    for page in plan.photos:
        page.photo_file_id, page.answer_photo_file_id = None, None
    if plan.photos:  # the bytes of photos attached on the web go with their reference
        dropped = [page.id for page in plan.photos]
        await session.exec(delete(WebPhoto).where(col(WebPhoto.page_id).in_(dropped)))  # type: ignore[call-overload]
    if plan.people or plan.photos:
        audit.record(
            session, actor=actor, actor_kind=actor_kind, action="retention_purge",
            subject=f"{len(plan.people)} people, {len(plan.photos)} photos",
            how=how, at=now, detail=f"older than {months} months ({plan.cutoff.isoformat()})",
        )  # fmt: skip
    await session.flush()
    return plan
