"""Keys of the HTTP API: made, listed, revoked, and checked on every request.

A key is 256 random bits shown once; only its sha256 is kept (a slow password hash
protects guessable secrets, not random ones) with a short prefix for lists. A key
belongs to one ward, whose data alone it may touch, or to the whole city.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from office.errors import Conflict, Forbidden, Invalid, NotFound
from office.wards import get_ward, remember_ward
from storage.models import MAX_INTEGER, ApiKey, Ward, utcnow

KEY_START = "sgp_"  # tells a sogopy key apart in a config file or a leak scanner
PREFIX_LENGTH = 12  # "sgp_" and 8 characters of the random part: shown, never enough to use
NAME_LENGTH = 200


@dataclass(frozen=True)
class KeyView:
    """A key as listed and as the API sees its caller; `ward_code` None: city-wide."""

    id: int
    name: str
    ward_code: str | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


# Built once: constructing the statement cost more than running it (a fifth of a case
# request); its compiled form and cache key are reused on every request.
_KEY_TABLE, _WARD_TABLE = ApiKey.__table__, Ward.__table__  # type: ignore[attr-defined]
_KEYS, _WARDS = _KEY_TABLE.c, _WARD_TABLE.c
# The key's ward comes whole: the request's office call then needs no query of its own
# for it (`remember_ward`), one round trip of the four of a case registration.
_VALID_BY_PREFIX = (
    select(_KEYS.id, _KEYS.name, _KEYS.created_at, _KEYS.key_hash, Ward)
    .select_from(_KEY_TABLE.outerjoin(_WARD_TABLE, _WARDS.id == _KEYS.ward_id))
    .where(_KEYS.prefix == bindparam("prefix"), _KEYS.revoked_at.is_(None))
)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _view(key: ApiKey, ward_code: str | None) -> KeyView:
    assert key.id is not None
    return KeyView(key.id, key.name, ward_code, key.prefix, key.created_at, key.revoked_at)


async def create_key(
    session: AsyncSession, *, ward: str | None, name: str = ""
) -> tuple[KeyView, str]:
    """A new key for `ward` (None: city-wide); returns it with the key, shown only now."""
    name = " ".join(name.split())
    if len(name) > NAME_LENGTH:
        raise Invalid("bad_key_name", office_text("bad_key_name"), "name")
    ward_id, ward_code = None, None
    if ward is not None:
        found = await get_ward(session, ward)
        ward_code = found.code
        if found.removed_at is not None:
            raise Conflict("ward_removed", office_text("ward_removed", ward=found.name), "ward")
        ward_id = found.id
    secret = KEY_START + secrets.token_urlsafe(32)
    key = ApiKey(name=name, ward_id=ward_id, prefix=secret[:PREFIX_LENGTH], key_hash=_hash(secret))
    session.add(key)
    await session.commit()
    return _view(key, ward_code), secret


async def list_keys(session: AsyncSession) -> list[KeyView]:
    """Every key, revoked ones too (they say when), oldest first."""
    result = await session.exec(
        select(ApiKey, Ward.code)
        .outerjoin(Ward, col(Ward.id) == ApiKey.ward_id)
        .order_by(col(ApiKey.id))
    )
    return [_view(key, code) for key, code in result.all()]


async def revoke_key(session: AsyncSession, key_id: int) -> tuple[KeyView, bool]:
    """Stop a key at once; returns (the key, whether it changed): revoking twice is fine."""
    if not 1 <= key_id <= MAX_INTEGER:  # names no key; PostgreSQL would refuse the query
        raise NotFound("unknown_key", office_text("unknown_key", id=key_id), "id")
    result = await session.exec(
        select(ApiKey, Ward.code)
        .outerjoin(Ward, col(Ward.id) == ApiKey.ward_id)
        .where(ApiKey.id == key_id)
    )
    found = result.first()
    if found is None:
        raise NotFound("unknown_key", office_text("unknown_key", id=key_id), "id")
    key, code = found
    if key.revoked_at is not None:
        return _view(key, code), False
    key.revoked_at = utcnow()
    await session.commit()
    return _view(key, code), True


async def authenticate(session: AsyncSession, key: str) -> KeyView | None:
    """The key's view when it is a valid, unrevoked key; else None.

    Rows are found by the shown prefix and the hashes compared in constant time, so the
    time taken says nothing about how close a guess was.
    """
    if not key.startswith(KEY_START) or len(key) > 100:
        return None
    digest = _hash(key)
    # plain columns of the tables, not ORM entities: this runs on every request
    result = await session.exec(_VALID_BY_PREFIX, params={"prefix": key[:PREFIX_LENGTH]})
    for key_id, name, created_at, key_hash, ward in result.all():
        if hmac.compare_digest(key_hash, digest):
            assert key_id is not None
            if ward is None:
                return KeyView(key_id, name, None, key[:PREFIX_LENGTH], created_at, None)
            remember_ward(session, ward)
            return KeyView(key_id, name, ward.code, key[:PREFIX_LENGTH], created_at, None)
    return None


async def key_ward(session: AsyncSession, key: KeyView, ward: str | None) -> str | None:
    """The ward a request is about, as its code: a ward key's own when none is named,
    and its own only (named by code or Vietnamese name); another, or one that does not
    exist (a ward key learns nothing of other wards), is Forbidden. A city key's request
    names any ward, or none."""
    if key.ward_code is None:
        return ward
    if ward is None or ward.strip().upper() == key.ward_code:
        return key.ward_code
    try:
        named = await get_ward(session, ward)
    except (NotFound, Invalid):
        named = None
    if named is None or named.code != key.ward_code:
        message = office_text("other_ward_key", ward=key.ward_code)
        raise Forbidden("other_ward_key", message, "ward")
    return key.ward_code
