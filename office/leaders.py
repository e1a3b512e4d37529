"""Ward leaders: one-time invites, the list, removal (access ends at once)."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from office.errors import Conflict, Invalid, NotFound
from office.wards import check_days, get_ward
from storage.models import Invite, Leadership, Person, Ward, utcnow
from storage.queries import get_or_create_person, new_token
from storage.text import NAME_LENGTH

INVITE_DAYS = (1, 90)
INVITE_LINK = re.compile(r"^(?:https?://t\.me/[A-Za-z0-9_]+\?start=)?(l_)?([A-Za-z0-9_-]{1,32})$")
DAY, DAY_TIME = "%d/%m/%Y", "%d/%m/%Y %H:%M"


@dataclass(frozen=True)
class LeaderView:
    """An active leadership as the office lists it (`id` is what `remove_leader` takes)."""

    id: int
    ward_code: str
    name: str
    platform: str
    chat_id: str
    joined_at: datetime
    title: str | None = None


@dataclass(frozen=True)
class InviteView:
    """An invite not used, revoked nor expired (`id` is what `revoke_invite_id` takes)."""

    id: int
    name: str | None
    title: str | None
    created_at: datetime
    expires_at: datetime


def _signature_part(field: str, value: str | None) -> str | None:
    """A name or title as it will be signed: on one line, not empty, within its column."""
    if value is None:
        return None
    kept = " ".join(value.split())
    if not kept or len(kept) > NAME_LENGTH:
        message = office_text("bad_signature", field=field, limit=NAME_LENGTH)
        raise Invalid("bad_signature", message, field)
    return kept


async def invite_leader(
    session: AsyncSession,
    ward: str,
    days: int = 7,
    now: datetime | None = None,
    *,
    name: str | None = None,
    title: str | None = None,
) -> Invite:
    """A one-time invite: whoever opens its link `l_<token>` becomes a leader of the ward,
    signing with the official `name` and `title` given here (asked when joining if not)."""
    check_days("days", days, INVITE_DAYS)
    name, title = _signature_part("name", name), _signature_part("title", title)
    found = await get_ward(session, ward)
    assert found.id is not None
    now = now or utcnow()
    invite = Invite(
        ward_id=found.id,
        token=new_token(),
        created_at=now,
        expires_at=now + timedelta(days=days),
        name=name,
        title=title,
    )
    session.add(invite)
    await session.commit()
    return invite


async def list_leaders(session: AsyncSession, ward: str | None = None) -> list[LeaderView]:
    """The active leaders, of one ward or all, by ward then seniority."""
    query = (
        select(Leadership, Person, Ward)
        .join(Person, col(Leadership.person_id) == col(Person.id))
        .join(Ward, col(Leadership.ward_id) == col(Ward.id))
        .where(col(Leadership.removed_at).is_(None))
    )
    if ward is not None:
        query = query.where(Leadership.ward_id == (await get_ward(session, ward)).id)
    query = query.order_by(col(Ward.code), col(Leadership.joined_at), col(Leadership.id))
    rows: Sequence[tuple[Leadership, Person, Ward]] = (await session.exec(query)).all()
    return [
        LeaderView(
            leadership.id or 0,
            found.code,
            leadership.name,
            person.platform,
            person.chat_id,
            leadership.joined_at,
            leadership.title,
        )
        for leadership, person, found in rows
    ]


async def list_invites(session: AsyncSession, ward: str, now: datetime) -> list[InviteView]:
    """The ward's invites that still work, newest first."""
    found = await get_ward(session, ward)
    rows = await session.exec(
        select(Invite)
        .where(
            Invite.ward_id == found.id,
            col(Invite.used_at).is_(None),
            col(Invite.revoked_at).is_(None),
            col(Invite.expires_at) > now,
        )
        .order_by(col(Invite.created_at).desc(), col(Invite.id).desc())
    )
    return [
        InviteView(invite.id or 0, invite.name, invite.title, invite.created_at, invite.expires_at)
        for invite in rows.all()
    ]


async def remove_leader(
    session: AsyncSession, leader_id: int, zone: ZoneInfo, in_ward: str | None = None
) -> tuple[Leadership, Ward]:
    """End a leadership; a person left leading no ward is a citizen again (admins stay).
    With `in_ward` (the console's page of one ward), a leadership of another is unknown."""
    leadership = await session.get(Leadership, leader_id)
    expected = (await get_ward(session, in_ward)).id if in_ward is not None else None
    if leadership is None or expected not in (None, leadership.ward_id):
        raise NotFound("unknown_leader", office_text("unknown_leader", id=leader_id), "id")
    ward = await session.get(Ward, leadership.ward_id)
    assert ward is not None
    if leadership.removed_at is not None:
        when = leadership.removed_at.astimezone(zone).strftime(DAY)
        name = " ".join(leadership.name.split())
        message = office_text(
            "leader_already_removed", id=leader_id, name=name, ward=ward.code, when=when
        )
        raise Conflict("leader_already_removed", message, "id")
    leadership.removed_at = utcnow()
    session.add(leadership)
    others = await session.exec(
        select(Leadership.id).where(
            Leadership.person_id == leadership.person_id,
            col(Leadership.removed_at).is_(None),
            Leadership.id != leadership.id,
        )
    )
    person = await session.get(Person, leadership.person_id)
    if others.first() is None and person is not None and person.role != "admin":
        person.role = "citizen"
        session.add(person)
    await session.commit()
    return leadership, ward


async def revoke_invite(
    session: AsyncSession, token_or_link: str, zone: ZoneInfo
) -> tuple[Invite, Ward]:
    """An invite not used yet stops working; given as its link or its token."""
    match = INVITE_LINK.fullmatch(token_or_link.strip())
    if match is None:
        message = office_text("bad_invite", value=token_or_link)
        raise Invalid("bad_invite", message, "invite")
    # a bare token may itself start with "l_": try it whole first
    tokens = dict.fromkeys(token for token in (f"{match[1] or ''}{match[2]}", match[2]) if token)
    found = None
    for token in tokens:
        found = (await session.exec(select(Invite).where(Invite.token == token))).first()
        if found is not None:
            break
    if found is None:
        raise NotFound("unknown_invite", office_text("unknown_invite"), "invite")
    return await _revoke(session, found, zone)


async def revoke_invite_id(
    session: AsyncSession, invite_id: int, ward: str, zone: ZoneInfo
) -> tuple[Invite, Ward]:
    """`revoke_invite` of the console, which names an invite by its id within a ward."""
    kept = await get_ward(session, ward)
    found = await session.get(Invite, invite_id)
    if found is None or found.ward_id != kept.id:
        raise NotFound("unknown_invite", office_text("unknown_invite"), "invite")
    return await _revoke(session, found, zone)


async def _revoke(session: AsyncSession, found: Invite, zone: ZoneInfo) -> tuple[Invite, Ward]:
    """An invite used or revoked already is refused, saying when."""
    ward = await session.get(Ward, found.ward_id)
    assert ward is not None
    for moment, code in ((found.used_at, "invite_used"), (found.revoked_at, "invite_revoked")):
        if moment is not None:
            when = moment.astimezone(zone).strftime(DAY_TIME)
            raise Conflict(code, office_text(code, ward=ward.code, when=when), "invite")
    found.revoked_at = utcnow()
    session.add(found)
    await session.commit()
    return found, ward


async def add_leader(
    session: AsyncSession, ward: str, *, platform: str, chat_id: str, name: str
) -> Leadership:
    """A leader set up by the office itself, without an invite (the demo's leader)."""
    found = await get_ward(session, ward)
    assert found.id is not None
    person = await get_or_create_person(session, platform, chat_id)
    assert person.id is not None
    person.name = name
    if person.role != "admin":
        person.role = "leader"
    leadership = Leadership(person_id=person.id, ward_id=found.id, name=name)
    session.add(leadership)
    await session.commit()
    return leadership
