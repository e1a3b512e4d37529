"""The tables: everything the bot remembers, including each conversation's state.

Times are stored in UTC (see `UTCDateTime`); they are shown in the configured zone
only when a person reads them. Answers keep the raw five-level value and stable
question codes so that any index can be recomputed and labels may change.
"""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    DateTime,
    Index,
    LargeBinary,
    TypeDecorator,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlmodel import Column, Field, SQLModel, Text

from storage.text import fold

MAX_INTEGER = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id and page number


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (SQLite has no zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _time(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable)


class Source(StrEnum):
    """How a survey reached the citizen; kept on every answer."""

    WALKIN = "walkin"
    CASE = "case"
    BROADCAST = "broadcast"


class SessionStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Dialog(StrEnum):
    """What the bot is waiting for from a person: the conversation state."""

    IDLE = "idle"
    SURVEY = "survey"  # dialog_ref: survey_session.id
    SUGGEST_TEXT = "suggest_text"  # dialog_ref: draft.id
    SUGGEST_SIGN = "suggest_sign"  # dialog_ref: draft.id
    # what a person typed, kept as a draft and offered to send (issue 11); dialog_ref: draft.id
    SUGGEST_OFFER = "suggest_offer"
    SUGGEST_WARD = "suggest_ward"  # that draft waits for its ward; dialog_ref: draft.id
    LEADER_ANSWER = "leader_answer"  # dialog_ref: bookpage.id
    LEADER_REVIEW = "leader_review"  # the answer shown before «Gửi»; dialog_ref: draft.id
    LEADER_NAME = "leader_name"  # a new leader's official name; dialog_ref: leadership.id
    LEADER_TITLE = "leader_title"  # then their title; dialog_ref: leadership.id
    BROADCAST_WARDS = "broadcast_wards"  # an admin typing ward codes; dialog_ref: broadcast.id
    BROADCAST_AT = "broadcast_at"  # an admin typing the send time; dialog_ref: broadcast.id


class WardKind(StrEnum):
    """What a ward is called in its citizens' messages (issue 11, point 14)."""

    PHUONG = "phường"
    XA = "xã"
    THI_TRAN = "thị trấn"


class Ward(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(default=WardKind.PHUONG, max_length=16)
    deadline_days: int = 10
    last_page: int = 0  # the book's page counter, incremented in the page's transaction
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    removed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


_MENU_KEPT = text("menu IS NOT NULL OR role <> 'citizen'")


class Person(SQLModel, table=True):
    """Anyone who wrote to the bot, on one platform: ids never mix across platforms."""

    __table_args__ = (
        UniqueConstraint("platform", "chat_id"),
        # the menus job's question every 2 s: the few people with a menu of their own
        Index("ix_person_menu", "platform", postgresql_where=_MENU_KEPT, sqlite_where=_MENU_KEPT),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=200)
    language: str = Field(default="vi", max_length=8)
    role: str = Field(default="citizen", max_length=16)
    ward_id: int | None = Field(default=None, foreign_key="ward.id")  # ward last dealt with
    dialog: str = Field(default=Dialog.IDLE, max_length=32)
    dialog_ref: int | None = None
    last_message_id: int = 0  # inbound message ids grow per chat: a lower one is a redelivery
    blocked_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    # broadcasts: None until asked (once, after the first survey), then the answer and its time
    optin: bool | None = None
    optin_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # chats without buttons (Zalo): the numbered choices last shown, as JSON [[label, data]]
    choices: str | None = Field(default=None, sa_column=Column(Text))
    # data protection (issue 15): the privacy notice version shown and when; last activity
    notice_version: int | None = None
    notice_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    last_seen_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # issue 11: the Telegram command menu last set for this chat (leader, admin; None: default)
    menu: str | None = Field(default=None, max_length=16)
    # short codes typed by hand (issue 11, point 7): wrong ones in a row, and the last one's time
    code_misses: int = 0
    code_missed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


_TO_PROMPT = text("done_at IS NOT NULL AND prompted_at IS NULL AND person_id IS NOT NULL")


class Case(SQLModel, table=True):
    """A case (hồ sơ) at the one-stop desk; `token` is the unguessable link payload."""

    # the response rate: cases done in a period and how many were answered, from an
    # index: the city's (done_at first), or one ward's (ward_id first, also its cases)
    __table_args__ = (
        Index("ix_case_response", "done_at", "ward_id", "survey_answered_at"),
        Index("ix_case_ward_response", "ward_id", "done_at", "survey_answered_at"),
        # the outbox job's question every 2 s: the few done cases whose citizen is still
        # to be asked, among all ever done
        Index("ix_case_to_prompt", "done_at", postgresql_where=_TO_PROMPT, sqlite_where=_TO_PROMPT),
    )

    id: int | None = Field(default=None, primary_key=True)
    ward_id: int = Field(foreign_key="ward.id")
    code: str = Field(max_length=64, unique=True)
    procedure: str = Field(max_length=500)
    token: str = Field(max_length=32, unique=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    linked_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    done_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    prompted_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # the first answer to the case's survey, written with it: the response rate's marker
    survey_answered_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # from the one-stop software (issue 12): when the desk took the case, at which desk,
    # and the date the result is promised for
    received_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    desk: int | None = None
    due_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class ShortCode(SQLModel, table=True):
    """A six-digit code a person can type instead of opening a link (issue 11, point 7).

    One table for desks and cases, so a code typed without a prefix names one thing: a
    desk's code has `desk` (None: the ward's own walk-in code) and no `case_id`; a case's
    code has `case_id`. Codes are random, never sequential, so a neighbour's case cannot be
    reached by adding one.
    """

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=6, unique=True)
    ward_id: int = Field(foreign_key="ward.id", index=True)
    desk: int | None = None
    case_id: int | None = Field(default=None, foreign_key="case.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class SurveyVersion(SQLModel, table=True):
    """One version of a survey file, frozen: answers point at the version they answered."""

    __table_args__ = (UniqueConstraint("key", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    version: int
    title: str = Field(max_length=200)
    definition: str = Field(sa_column=Column(Text, nullable=False))  # the file's JSON form
    content_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class SurveySession(SQLModel, table=True):
    """One run of a survey by one person; `step` is the index of the next question."""

    # one response per person to each broadcast
    __table_args__ = (UniqueConstraint("broadcast_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    ward_id: int = Field(foreign_key="ward.id", index=True)
    survey_version_id: int = Field(foreign_key="surveyversion.id")
    source: str = Field(max_length=16)
    case_id: int | None = Field(default=None, foreign_key="case.id", unique=True)
    desk: int | None = None  # the desk whose QR code started a walk-in survey
    broadcast_id: int | None = Field(default=None, foreign_key="broadcast.id")
    step: int = 0
    status: str = Field(default=SessionStatus.ACTIVE, max_length=16)
    started_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    completed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


NO_OPINION = 0  # "Chưa có ý kiến": an answer of its own, outside the five levels


class Answer(SQLModel, table=True):
    """A raw five-level answer (or `NO_OPINION`); ward, source and element are copied for
    fast reports, which leave `NO_OPINION` out of shares and means and count it apart."""

    __table_args__ = (
        UniqueConstraint("session_id", "question_code"),
        # reports: every figure is a count of this index's entries, in GROUP BY order
        Index("ix_answer_report", "ward_id", "element", "level", "source", "answered_at"),
        # …and a ward's month (the console's figures) a range of this one's
        Index("ix_answer_ward_time", "ward_id", "answered_at", "element", "level", "source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="surveysession.id")
    survey_version_id: int = Field(foreign_key="surveyversion.id")
    ward_id: int = Field(foreign_key="ward.id")  # indexed at the head of ix_answer_report
    case_id: int | None = Field(default=None, foreign_key="case.id")
    source: str = Field(max_length=16)
    question_code: str = Field(max_length=64)
    element: str = Field(max_length=32)
    level: int
    answered_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class AnswerMonth(SQLModel, table=True):
    """How many answers a ward had in a whole local month that has ended, per element,
    procedure or desk, level and source: derived from `answer` (`storage.answer_months`),
    never written otherwise, so a year of figures sums a few hundred rows per month
    instead of recounting every answer. `RollUp` says which months are counted."""

    __table_args__ = (
        Index("ix_answermonth_ward", "ward_id", "kind", "month", "code", "level", "source"),
        Index("ix_answermonth_city", "kind", "month", "ward_id", "code", "level", "source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ward_id: int = Field(foreign_key="ward.id")
    month: date  # its first local day
    kind: str = Field(max_length=16)  # "element", "procedure" or "desk": what `code` names
    code: str | None = Field(default=None, max_length=500)  # None: no case, or no desk known
    level: int
    source: str = Field(max_length=16)
    answers: int


class RollUp(SQLModel, table=True):
    """The months `AnswerMonth` counts: every local month of `zone` before `through`."""

    zone: str = Field(primary_key=True, max_length=64)
    through: date  # the first day of the first month not counted
    done_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Draft(SQLModel, table=True):
    """A suggestion being written: kept in the database so a restart loses nothing.

    Also what a person typed mid-survey, or outside any flow, until they choose to send it.
    """

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    ward_id: int | None = Field(default=None, foreign_key="ward.id")  # None: being asked
    session_id: int | None = Field(default=None, foreign_key="surveysession.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id")
    text: str | None = Field(default=None, sa_column=Column(Text))
    photo_file_id: str | None = Field(default=None, sa_column=Column(Text))  # a Zalo URL: long
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    page_id: int | None = None  # a leader's answer to this page, shown before «Gửi»


_UNSEEN = text("seen_at IS NULL")
_TO_ESCALATE = text("answered_at IS NULL AND escalated_at IS NULL")


class BookPage(SQLModel, table=True):
    """A page of the ward's suggestion book (Phiếu góp ý).

    `signed` and `consent_at` are the evidence of the citizen's choice to sign with
    their name; an anonymous page has no `author_name`, and `person_id` (kept only
    to route answers back) is never shown to leaders.
    """

    __table_args__ = (
        UniqueConstraint("ward_id", "page_no"),
        # the reminders' and escalations' questions every minute: the few pages still
        # unseen, or unanswered and not yet escalated, among the whole book
        Index(
            "ix_bookpage_unseen",
            "ward_id",
            "page_no",
            postgresql_where=_UNSEEN,
            sqlite_where=_UNSEEN,
        ),
        Index(
            "ix_bookpage_to_escalate",
            "created_at",
            postgresql_where=_TO_ESCALATE,
            sqlite_where=_TO_ESCALATE,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ward_id: int = Field(foreign_key="ward.id")
    page_no: int
    person_id: int = Field(foreign_key="person.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id")
    session_id: int | None = Field(default=None, foreign_key="surveysession.id", index=True)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    # `text` folded (`storage.text.fold`: no case, diacritics or punctuation), kept in step
    # on every ORM write: the console's search matches "den duong" in "Đèn đường" in SQL
    folded: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    photo_file_id: str | None = Field(default=None, sa_column=Column(Text))  # a Zalo URL: long
    signed: bool = False
    author_name: str | None = Field(default=None, max_length=200)
    consent_at: datetime = Field(sa_column=_time())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    # the draft it was filed from: a repeated signing press finds its page (and number) again
    draft_id: int | None = None
    # the leader's signature ("Đã xem"), and the answer; names are kept as signed then
    seen_by_id: int | None = Field(default=None, foreign_key="person.id")
    seen_by_name: str | None = Field(default=None, max_length=200)
    seen_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    answer_text: str | None = Field(default=None, sa_column=Column(Text))
    # a Telegram file id, a Zalo photo's URL, or web:<token> of a WebPhoto (the console's)
    answer_photo_file_id: str | None = Field(default=None, sa_column=Column(Text))
    answered_by_id: int | None = Field(default=None, foreign_key="person.id")
    answered_by_name: str | None = Field(default=None, max_length=200)
    answered_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # closed with «Không cần trả lời» (answered_* then hold who closed it, and when)
    no_answer: bool = False
    reminded_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    escalated_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


@event.listens_for(BookPage, "before_insert")
def _fold_new_page(mapper: Any, connection: Any, page: BookPage) -> None:
    page.folded = fold(page.text)


@event.listens_for(BookPage, "before_update")
def _fold_changed_text(mapper: Any, connection: Any, page: BookPage) -> None:
    """Only when the text changed (an erasure): no other update loads or rewrites it."""
    if inspect(page).attrs.text.history.has_changes():
        page.folded = fold(page.text)


class Invite(SQLModel, table=True):
    """A one-time link that makes whoever opens it a leader of the ward."""

    id: int | None = Field(default=None, primary_key=True)
    ward_id: int = Field(foreign_key="ward.id", index=True)
    token: str = Field(max_length=32, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    expires_at: datetime = Field(sa_column=_time())
    used_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    used_by_id: int | None = Field(default=None, foreign_key="person.id")
    revoked_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    name: str | None = Field(default=None, max_length=200)  # the leader's official name…
    title: str | None = Field(default=None, max_length=200)  # …and title, when the office gave them


class Leadership(SQLModel, table=True):
    """A person leading a ward; removal ends access at once (checked on every action)."""

    __table_args__ = (UniqueConstraint("person_id", "ward_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    ward_id: int = Field(foreign_key="ward.id", index=True)
    name: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=200)  # "Chủ tịch UBND phường"
    invite_id: int | None = Field(default=None, foreign_key="invite.id")
    joined_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    removed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


_UNSENT = text("sent_at IS NULL AND failed IS NULL")


class Notice(SQLModel, table=True):
    """A page's notification to one leader: the outbox row, then the message to edit.

    Written in the page's own transaction, so a crash cannot lose it; `claimed_at` is
    committed just before it leaves and `sent_at` and `message_id` once Telegram took it,
    so it is never sent twice, not even by the next leader when this one dies mid-send.
    """

    __table_args__ = (
        UniqueConstraint("page_id", "person_id"),
        # the outbox job's question every 2 s: the few still to send among all ever sent
        Index("ix_notice_unsent", "id", postgresql_where=_UNSENT, sqlite_where=_UNSENT),
    )

    id: int | None = Field(default=None, primary_key=True)
    page_id: int = Field(foreign_key="bookpage.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    sent_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    message_id: int | None = None
    failed: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class JobRun(SQLModel, table=True):
    """A scheduled job's run for one key and local day, so it happens once across restarts."""

    __table_args__ = (UniqueConstraint("job", "key", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=32)
    key: str = Field(max_length=64)
    day: str = Field(max_length=10)  # local date, YYYY-MM-DD
    done_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class BroadcastStatus(StrEnum):
    DRAFT = "draft"  # an admin is still choosing in the chat
    SCHEDULED = "scheduled"  # waits for `scheduled_at`
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


class RecipientStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # durable before the request: never sent twice, even after a kill
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    SKIPPED = "skipped"  # opted out, unreachable or ward removed after the broadcast was made


class Broadcast(SQLModel, table=True):
    """A survey sent to opted-in citizens, city-wide or to some wards."""

    id: int | None = Field(default=None, primary_key=True)
    survey_key: str = Field(max_length=64)
    survey_version_id: int | None = Field(default=None, foreign_key="surveyversion.id")
    status: str = Field(default=BroadcastStatus.DRAFT, max_length=16, index=True)
    created_by: str = Field(max_length=64)  # "cli" or the admin's chat id
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    scheduled_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    started_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # the admin's progress message, edited in place while it runs
    progress_platform: str | None = Field(default=None, max_length=16)
    progress_chat_id: str | None = Field(default=None, max_length=64)
    progress_message_id: int | None = None


class BroadcastWard(SQLModel, table=True):
    """A ward a broadcast is limited to (none: city-wide)."""

    broadcast_id: int = Field(foreign_key="broadcast.id", primary_key=True)
    ward_id: int = Field(foreign_key="ward.id", primary_key=True)


class Recipient(SQLModel, table=True):
    """One person a broadcast goes to, written before anything is sent."""

    __table_args__ = (
        UniqueConstraint("broadcast_id", "person_id"),
        # the sender pages through pending rows in id order; progress counts by status
        Index("ix_recipient_broadcast_status_id", "broadcast_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id")
    person_id: int = Field(foreign_key="person.id")
    status: str = Field(default=RecipientStatus.PENDING, max_length=16)
    attempts: int = 0
    reason: str | None = Field(default=None, max_length=200)
    sent_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class SeenMessage(SQLModel, table=True):
    """An inbound id already handled, where ids come in any order: Zalo's message ids,
    Telegram's update ids in webhook mode. Pruned after some days (`bot.jobs.forget_seen`):
    a platform redelivers for a day at most."""

    __table_args__ = (
        UniqueConstraint("platform", "message_id"),
        Index("ix_seenmessage_seen_at", "seen_at"),  # the pruning job's range
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    message_id: str = Field(max_length=128)
    seen_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class PendingReply(SQLModel, table=True):
    """A reply that could not be delivered yet (the platform failing): the replies' outbox.

    Written only when a send failed after the transport's own retries, so the hot path
    stays free of it; sent again by a job, in `id` order per chat, and deleted once sent.
    """

    __table_args__ = (Index("ix_pendingreply_chat", "platform", "chat_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    reply: str = Field(sa_column=Column(Text, nullable=False))  # the Reply as JSON
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    attempts: int = 0
    next_try_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    error: str | None = Field(default=None, max_length=200)


class ApiKey(SQLModel, table=True):
    """A key of the HTTP API (issue 12): for one ward, or city-wide when `ward_id` is None.

    Only the key's sha256 is kept (the key is random, 256 bits: no slow hash is needed)
    and a short prefix, so a list can show which key is which.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(default="", max_length=200)
    ward_id: int | None = Field(default=None, foreign_key="ward.id")
    prefix: str = Field(max_length=16, index=True)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    revoked_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class WebUser(SQLModel, table=True):
    """A console account (issue 13): a clerk or leader of one ward, or a city admin.

    Only an argon2 hash of the password is kept. `token_hash` is the sha256 of the one
    link in flight (`token_purpose`: set the password, or log in from the chat with
    `/web`, for the account tied to that chat by `person_id`), valid until
    `token_expires_at`. `generation` is in every session cookie: raising it (a password
    change) ends every session at once.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    role: str = Field(max_length=16)  # clerk | leader | admin
    ward_id: int | None = Field(default=None, foreign_key="ward.id")
    password_hash: str = Field(default="", max_length=255)
    person_id: int | None = Field(default=None, foreign_key="person.id", unique=True)  # /web
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    token_purpose: str | None = Field(default=None, max_length=16)  # password | login
    token_expires_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    generation: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


# ---- data protection (issue 15) ------------------------------------------------------------


ERASED = "erased"  # the platform of a person whose data was erased: no chat can match it


class AuditEntry(SQLModel, table=True):
    """Who read or exported personal data, when and how: append-only.

    Triggers in the database refuse UPDATE and DELETE (migration 0007), and the program
    has no path that changes a row. `subject` names what was read (a page, a ward's book,
    a person by row id), never a name or a chat id.
    """

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_time())
    actor: str = Field(max_length=200)  # the leader's name, the OS user, "citizen"...
    actor_kind: str = Field(max_length=16)  # leader, admin, clerk, apikey, cli, citizen, bot
    action: str = Field(max_length=32, index=True)
    subject: str = Field(max_length=200)
    how: str = Field(max_length=32)  # telegram, zalo, cli, api, job
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))


class NoticeRedraw(SQLModel, table=True):
    """A leader's notification to redraw after a page changed outside the chat (an erasure
    at the desk, the retention job): the running bot edits it, then drops the row."""

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class WebPhoto(SQLModel, table=True):
    """A photo a leader attached to an answer on the web: the bytes themselves, since the
    citizen's chat, the book page and the archive all need them and no platform holds
    them yet. `page_id` is set when the answer is sent; until then it is a preview's.
    `token` names it in URLs (Zalo fetches a photo by URL), so it is random."""

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=43, unique=True)
    ward_id: int = Field(foreign_key="ward.id")
    page_id: int | None = Field(default=None, foreign_key="bookpage.id", index=True)
    content_type: str = Field(max_length=32)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
