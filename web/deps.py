"""Dependencies of the routes: the app's state, a database session, the caller's key,
and the text every route may take."""

import json
from collections.abc import AsyncIterator, Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from office.errors import Invalid
from office.keys import KeyView, authenticate
from storage.models import MAX_INTEGER
from storage.text import storable
from web.errors import Unauthorized
from web.state import HttpState


async def get_state(request: Request) -> HttpState:
    """The app's state; `async` so that FastAPI calls it in the loop: a plain `def`
    dependency runs in a worker thread, a thread hop per request (a third of a case's)."""
    state: HttpState = request.app.state.http
    return state


StateDep = Annotated[HttpState, Depends(get_state)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    """One session per request; office functions commit, anything else is rolled back."""
    async with state.db() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

# An id or a page number in a path or a query: beyond the column's range it names no
# row, and PostgreSQL (SQLite too, past 64 bits) would refuse the query: a 500.
RowNumber = Annotated[int, Path(ge=1, le=MAX_INTEGER)]
RowQuery = Annotated[int | None, Query(ge=1, le=MAX_INTEGER)]

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _strings(value: object, field: str) -> Iterator[tuple[str, str]]:
    """Every string in a JSON value, with the top field it is under."""
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, field or str(key))
            yield from _strings(item, field or str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, field)


async def storable_text(request: Request) -> None:
    """Refuse, naming the field (422), text no database stores: a NUL or a lone surrogate
    in the path, the query, a form's fields or a JSON body. PostgreSQL rejects a NUL in
    any text, so the office's query would fail deep down with a 500. Files are bytes."""
    given: list[tuple[str, str]] = [*request.path_params.items()]
    given += request.query_params.multi_items()
    kind = request.headers.get("content-type", "")
    if kind.startswith(_FORMS):
        form = await request.form()  # read once: FastAPI has parsed it already
        given += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    elif kind.startswith("application/json"):
        try:
            given += _strings(json.loads(await request.body()), "")
        except ValueError:
            pass  # FastAPI names the body as not JSON
    for field, value in given:
        if storable(value) != value:
            named = field or "body"  # a JSON body that is a bare string or list
            raise Invalid("not_storable", office_text("not_storable", field=named), named)


_bearer = HTTPBearer(
    auto_error=False,
    description="Khoá API: `sogopy apikey create --ward CODE` (API key: one per ward, or --city)",
)


async def current_key(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> KeyView:
    """The caller's key, from `Authorization: Bearer <key>`; 401 when missing or not valid."""
    if credentials is None:
        raise Unauthorized("no_key", office_text("no_key"))
    key = await authenticate(session, credentials.credentials.strip())
    if key is None:
        raise Unauthorized("bad_key", office_text("bad_key"))
    return key


KeyDep = Annotated[KeyView, Depends(current_key)]


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF the browser opens to print (a slip, a poster), with its Vietnamese file name."""
    name = quote(filename, safe="")
    disposition = f"inline; filename*=UTF-8''{name}"
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )
