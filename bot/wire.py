"""Reading a platform's JSON without trusting it: every field is checked for its type.

A malformed update must never stop the bot (issue 10): Telegram and Zalo updates are
read through these helpers, which raise `Unreadable` naming the field, so a transport
can log the update once, skip it and confirm it. Ids must fit a signed 64-bit integer
(SQLite's INTEGER, PostgreSQL's BIGINT); text is made storable (`storage.text`): no NUL,
which PostgreSQL refuses, and no lone UTF-16 surrogate (valid JSON, not valid UTF-8).
"""

from typing import Any

from storage.text import storable

INT64 = 2**63
Json = dict[str, Any]


class Unreadable(ValueError):
    """An update with a field missing or of the wrong type."""


def obj(value: object, field: str, required: bool = True) -> Json:
    """A JSON object; absent (None) gives {} unless `required`."""
    if isinstance(value, dict):
        return value
    if value is None and not required:
        return {}
    raise Unreadable(f"{field} is not an object")


def array(value: object, field: str) -> list[Any]:
    """A JSON array; absent (None) gives []."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise Unreadable(f"{field} is not a list")


def int64(value: object, field: str) -> int:
    """An integer that a BIGINT column holds (a bool is not one)."""
    if isinstance(value, int) and not isinstance(value, bool) and -INT64 <= value < INT64:
        return value
    raise Unreadable(f"{field} is not a 64-bit integer")


def optional_int64(value: object, field: str) -> int | None:
    return None if value is None else int64(value, field)


def text(value: object, field: str) -> str:
    """A string, made storable."""
    if isinstance(value, str):
        return storable(value)
    raise Unreadable(f"{field} is not a string")


def optional_text(value: object, field: str) -> str | None:
    return None if value is None else text(value, field)
