"""The console's accounts: made with a one-time link, logged in, locked, scoped.

A clerk or leader belongs to one ward and sees that ward alone; an admin sees the city.
Every page and download asks `check_ward` before it reads anything, so the rule lives
here and not in each route. Passwords are argon2 hashes (pwdlib); the hashing runs in
a thread, so a login does not hold the event loop the bot also runs on.
"""

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from pwdlib import PasswordHash
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from office.cases import normal_ward_code
from office.errors import Conflict, Forbidden, Invalid, NotFound
from office.wards import get_ward
from storage.models import Leadership, Person, Ward, WebUser

MAX_FAILED_LOGINS = 5
LOCK_FOR = timedelta(minutes=15)
PASSWORD_LINK_VALID = timedelta(days=3)
LOGIN_LINK_VALID = timedelta(minutes=10)  # `/web` in the chat
MIN_PASSWORD = 10
NAME_LENGTH = 200

_HASHER = PasswordHash.recommended()


@cache
def _dummy_hash() -> str:
    """Made at the first login with an unknown name, not at start: argon2 takes a tenth
    of a second, on the way to the bot's first answer."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _verify_unknown(password: str) -> None:
    """A wrong name costs the same time as a wrong password: no name is confirmed."""
    _HASHER.verify(password, _dummy_hash())


class Role(StrEnum):
    CLERK = "clerk"
    LEADER = "leader"
    ADMIN = "admin"


@dataclass(frozen=True)
class UserView:
    """An account as a page sees it; `ward_code` None for an admin."""

    id: int
    name: str
    role: Role
    ward_code: str | None
    ward_name: str | None
    generation: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _view(session: AsyncSession, user: WebUser) -> UserView:
    assert user.id is not None
    ward = await session.get(Ward, user.ward_id) if user.ward_id is not None else None
    return UserView(
        user.id,
        user.name,
        Role(user.role),
        ward.code if ward else None,
        ward.name if ward else None,
        user.generation,
    )


class Purpose(StrEnum):
    PASSWORD = "password"
    LOGIN = "login"


def _new_token(user: WebUser, purpose: Purpose, now: datetime) -> str:
    """A new one-time link for `user`; it replaces the one in flight."""
    valid = PASSWORD_LINK_VALID if purpose is Purpose.PASSWORD else LOGIN_LINK_VALID
    token = secrets.token_urlsafe(32)
    user.token_hash, user.token_expires_at = _digest(token), now + valid
    user.token_purpose = purpose.value
    return token


async def add_user(
    session: AsyncSession, *, name: str, role: str, ward: str | None, now: datetime
) -> tuple[UserView, str]:
    """A new account without a password; returns it with its set-password token."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_LENGTH:
        raise Invalid("bad_user_name", office_text("bad_user_name"), "name")
    try:
        kind = Role(role)
    except ValueError:
        raise Invalid("bad_role", office_text("bad_role", role=role), "role") from None
    ward_id = None
    if kind is Role.ADMIN:
        if ward is not None:
            raise Invalid("admin_no_ward", office_text("admin_no_ward"), "ward")
    else:
        if ward is None:
            raise Invalid("role_needs_ward", office_text("role_needs_ward"), "ward")
        found = await get_ward(session, ward)
        if found.removed_at is not None:
            raise Conflict("ward_removed", office_text("ward_removed", ward=found.name), "ward")
        ward_id = found.id
    taken = await session.exec(select(WebUser.id).where(WebUser.name == name))
    if taken.first() is not None:
        raise Conflict("user_exists", office_text("user_exists", name=name), "name")
    user = WebUser(name=name, role=kind.value, ward_id=ward_id)
    token = _new_token(user, Purpose.PASSWORD, now)
    session.add(user)
    await session.commit()
    return await _view(session, user), token


async def _by_token(
    session: AsyncSession, token: str, now: datetime, purpose: Purpose = Purpose.PASSWORD
) -> WebUser:
    found = await session.exec(select(WebUser).where(WebUser.token_hash == _digest(token)))
    user = found.first()
    if (
        user is None
        or user.token_purpose != purpose.value
        or user.token_expires_at is None
        or user.token_expires_at <= now
    ):
        raise NotFound("bad_link", office_text("bad_link"))
    return user


async def check_password_link(session: AsyncSession, token: str, now: datetime) -> UserView:
    """Whose set-password link this is (NotFound when used, expired or unknown)."""
    return await _view(session, await _by_token(session, token, now))


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid("short_password", office_text("short_password", count=MIN_PASSWORD))


async def set_password(session: AsyncSession, token: str, password: str, now: datetime) -> UserView:
    """Set the password through a one-time link; the link is spent, old sessions end."""
    user = await _by_token(session, token, now)
    _check_new_password(password)
    user.password_hash = await asyncio.to_thread(_HASHER.hash, password)
    user.token_hash = user.token_expires_at = user.token_purpose = None
    user.failed_logins, user.locked_until = 0, None
    user.generation += 1
    session.add(user)
    await session.commit()
    return await _view(session, user)


async def change_password(
    session: AsyncSession, user_id: int, old: str, new: str, now: datetime
) -> UserView:
    """A logged-in change: the old password first; every session of the account ends."""
    user = await session.get(WebUser, user_id)
    if user is None or not await asyncio.to_thread(_HASHER.verify, old, user.password_hash):
        raise Invalid("wrong_password", office_text("wrong_password"), "old")
    _check_new_password(new)
    user.password_hash = await asyncio.to_thread(_HASHER.hash, new)
    user.generation += 1
    session.add(user)
    await session.commit()
    return await _view(session, user)


async def log_in(session: AsyncSession, name: str, password: str, now: datetime) -> UserView:
    """The account, when name and password match and it is not locked.

    The fifth wrong password in a row locks the account for 15 minutes; while locked
    even the right one is refused, with the same message, so it tells a guesser nothing.
    """
    found = await session.exec(select(WebUser).where(WebUser.name == " ".join(name.split())))
    user = found.first()
    if user is None or not user.password_hash:
        await asyncio.to_thread(_verify_unknown, password)
        raise Invalid("bad_login", office_text("bad_login"))
    if user.locked_until is not None and user.locked_until > now:
        raise Forbidden("locked", office_text("locked"))
    if await asyncio.to_thread(_HASHER.verify, password, user.password_hash):
        user.failed_logins, user.locked_until = 0, None
        session.add(user)
        await session.commit()
        return await _view(session, user)
    user.failed_logins += 1
    locked = user.failed_logins >= MAX_FAILED_LOGINS
    if locked:
        user.failed_logins, user.locked_until = 0, now + LOCK_FOR
    session.add(user)
    await session.commit()
    if locked:
        raise Forbidden("locked", office_text("locked"))
    raise Invalid("bad_login", office_text("bad_login"))


async def session_user(session: AsyncSession, user_id: int, generation: int) -> UserView | None:
    """The account of a session cookie, or None once its generation has moved on."""
    user = await session.get(WebUser, user_id)
    if user is None or user.generation != generation:
        return None
    if user.person_id is not None and user.role == Role.LEADER:
        # an account made by `/web`: a leader removed from the ward loses it at once
        held = await session.exec(
            select(Leadership.id).where(
                Leadership.person_id == user.person_id,
                Leadership.ward_id == user.ward_id,
                col(Leadership.removed_at).is_(None),
            )
        )
        if held.first() is None:
            return None
    return await _view(session, user)


async def chat_login(
    session: AsyncSession, person: Person, *, admin: bool, now: datetime
) -> str | None:
    """`/web`: a login token (10 minutes) for the account tied to this chat, made on
    first use: an admin's, or a leader's of the first ward led; None for anyone else."""
    assert person.id is not None
    led = await session.exec(
        select(Leadership, Ward)
        .join(Ward, col(Ward.id) == Leadership.ward_id)
        .where(Leadership.person_id == person.id, col(Leadership.removed_at).is_(None))
        .order_by(col(Ward.code))
    )
    first = led.first()
    if not admin and first is None:
        return None
    role = Role.ADMIN if admin else Role.LEADER
    ward_id = None if admin or first is None else first[1].id
    user = (await session.exec(select(WebUser).where(WebUser.person_id == person.id))).first()
    if user is None:
        name = " ".join(((first[0].name if first else None) or person.name or "").split())
        name = name or f"{person.platform} {person.chat_id}"
        taken = await session.exec(select(WebUser.id).where(WebUser.name == name))
        if taken.first() is not None:
            name = f"{name} ({person.platform} {person.chat_id})"
        user = WebUser(name=name[:NAME_LENGTH], role=role.value, person_id=person.id)
    if (user.role, user.ward_id) != (role.value, ward_id):
        user.role, user.ward_id = role.value, ward_id
        user.generation += 1  # what an old session was allowed changed
    token = _new_token(user, Purpose.LOGIN, now)
    session.add(user)
    await session.flush()
    return token


async def use_login_link(session: AsyncSession, token: str, now: datetime) -> UserView:
    """The account of a `/web` link, which is spent by this use."""
    user = await _by_token(session, token, now, Purpose.LOGIN)
    user.token_hash = user.token_expires_at = user.token_purpose = None
    session.add(user)
    await session.commit()
    return await _view(session, user)


async def check_login_link(session: AsyncSession, token: str, now: datetime) -> UserView:
    """Whose `/web` link this is; it stays unused (a link preview must not spend it)."""
    return await _view(session, await _by_token(session, token, now, Purpose.LOGIN))


def check_ward(user: UserView, ward: str) -> str:
    """The ward's code when `user` may see it: an admin any, others their own (else 403)."""
    code = normal_ward_code(ward)
    if user.role is not Role.ADMIN and code != user.ward_code:
        raise Forbidden("other_ward_user", office_text("other_ward_user"), "ward")
    return code


def check_admin(user: UserView) -> None:
    """The admin's pages (every ward, leaders, API keys, broadcasts) are the city's
    alone: a clerk or a leader gets 403, even about their own ward."""
    if user.role is not Role.ADMIN:
        raise Forbidden("admin_only", office_text("admin_only"))
