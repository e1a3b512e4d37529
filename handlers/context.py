"""What every handler needs besides the event: the database, surveys, settings, clock."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.survey_library import Survey, SurveyError
from storage.db import GroupSync, SessionMaker
from storage.models import Person, SurveyVersion, utcnow
from storage.queries import find_survey_version


@dataclass
class SurveyBook:
    """The surveys in force (by key) and every stored version (by row id)."""

    current: dict[str, int] = field(default_factory=dict)  # key → survey_version.id
    versions: dict[int, Survey] = field(default_factory=dict)

    def survey(self, version_id: int) -> Survey:
        return self.versions[version_id]


async def stored_version(session: AsyncSession, key: str, survey: Survey) -> SurveyVersion:
    """The row of this survey version, stored now if new; a changed file needs a new version.

    The bot stores its library when it starts while an office command (a broadcast) may
    store the same version at that moment: the one that comes second reads the row.
    """
    row = await find_survey_version(session, key, survey.version)
    if row is None:
        row = SurveyVersion(
            key=key,
            version=survey.version,
            title=survey.title["vi"],
            definition=survey.to_json(),
            content_hash=survey.content_hash,
        )
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:
            row = await find_survey_version(session, key, survey.version)
            if row is None:
                raise
    if row.content_hash != survey.content_hash:
        raise SurveyError(
            f"survey '{key}' version {survey.version} differs from the stored one: "
            "give the changed file a new version"
        )
    return row


async def sync_surveys(db: SessionMaker, library: dict[str, Survey]) -> SurveyBook:
    """Store each library survey version once; the book of every stored version."""
    book = SurveyBook()
    async with db() as session:
        for key, survey in library.items():
            row = await stored_version(session, key, survey)
            assert row.id is not None
            book.current[key] = row.id
        await session.commit()
        for stored in (await session.exec(select(SurveyVersion))).all():
            assert stored.id is not None
            book.versions[stored.id] = Survey.from_json(stored.definition)
    return book


@dataclass
class Context:
    db: SessionMaker
    surveys: SurveyBook
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    admins: frozenset[str] = frozenset()
    survey_delay: timedelta = timedelta(0)
    remind_after: timedelta = timedelta(hours=24)
    quiet: tuple[time, time] | None = (time(21), time(7))  # local; nothing scheduled then
    clock: Callable[[], datetime] = utcnow
    durable: Callable[[], Awaitable[None]] = GroupSync().wait  # awaited before any reply
    survey_problems: tuple[str, ...] = ()  # survey files refused, shown to admins
    retention_months: int = 24  # SOGOPY_RETENTION_MONTHS: inactive people are anonymized
    console_url: str = ""  # the web console's base URL for /web links; "" when it is off

    def is_admin(self, person: Person) -> bool:
        """SOGOPY_ADMINS are Telegram user ids: an id on another platform is never one."""
        return person.platform == "telegram" and person.chat_id in self.admins

    def local_midnight(self) -> datetime:
        """The start of today in the ward's zone, as an aware datetime."""
        local = self.clock().astimezone(self.timezone)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

    def local_date(self, moment: datetime) -> str:
        return moment.astimezone(self.timezone).strftime("%d/%m/%Y")

    def local_time(self, moment: datetime) -> str:
        return moment.astimezone(self.timezone).strftime("%d/%m/%Y %H:%M")
