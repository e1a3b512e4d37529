"""Every error of the HTTP app as one JSON shape: `{"error": {"code", "message", "field"}}`,
and under `/console` as the console's HTML page, for a person reads it there.

Office errors keep their status; FastAPI's validation errors become 422 naming the
first field at fault; unknown routes and methods, oversized bodies and unexpected
failures get the same shape, with a Vietnamese message. On the console a path that
does not parse (a page number "abc") is a page not found, and a body that cannot be
read at all is a 400.
"""

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handlers.catalogue import office_text
from office.errors import OfficeError

log = logging.getLogger(__name__)

CONSOLE = "/console"
API_BODY_LIMIT = 64 * 1024  # a case is a few hundred bytes
BODY_LIMIT = 1024 * 1024  # webhooks


# the console's error page: (request, status, heading, error line or None, headers)
ConsolePage = Callable[[Request, int, str, str | None, dict[str, str] | None], Response]


class Unauthorized(OfficeError):
    """No key, or a wrong or revoked one."""

    status = 401


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    """The body of every error answer."""

    error: ErrorDetail


def error_response(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _field(location: tuple[object, ...]) -> str:
    """("body", "ward") → "ward"; ("query", "since") → "since"; the body itself → "body"."""
    parts = [str(part) for part in location[1:] if not isinstance(part, int)]
    return ".".join(parts) or str(location[0] if location else "body")


def _heading(status: int) -> str:
    """The console page's heading for an error of this status."""
    if status == 403:
        return office_text("web_forbidden")
    if status == 404:
        return office_text("web_not_found")
    if status >= 500:
        return office_text("web_error")
    return office_text("web_bad_input")


def _on_console(request: Request) -> bool:
    path: str = request.scope["path"]
    return path == CONSOLE or path.startswith(CONSOLE + "/")


def install(app: FastAPI, console_page: ConsolePage) -> None:
    """JSON errors everywhere, but `console_page`'s under `/console`."""

    def console(
        request: Request, status: int, error: str | None, headers: dict[str, str] | None = None
    ) -> Response:
        return console_page(request, status, _heading(status), error, headers)

    async def office_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, OfficeError)
        if _on_console(request):
            return console(request, exc.status, exc.message)
        return error_response(exc.status, exc.code, exc.message, exc.field)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0]
        location = tuple(first.get("loc", ()))
        field = _field(location)
        if _on_console(request):
            if location[:1] == ("path",):  # /book/abc/answer: no such page
                return console(request, 404, None)
            return console(request, 422, office_text("web_bad_field", field=field))
        reason = str(first.get("msg", "")).removeprefix("Value error, ")
        message = office_text("bad_field", field=field, reason=reason)
        return error_response(422, "invalid", message, field)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        status = exc.status_code
        if _on_console(request):
            if status == 405:
                return console(
                    request, 405, office_text("method", method=request.method), exc.headers
                )
            return console(request, status, office_text("web_bad_body") if status == 400 else None)
        if status == 404:
            return error_response(404, "not_found", office_text("not_found"))
        if status == 400:  # FastAPI could not read the body (not JSON, not UTF-8)
            message = office_text("bad_field", field="body", reason=str(exc.detail))
            return error_response(422, "invalid", message, "body")
        if status == 405:
            return error_response(405, "method", office_text("method", method=request.method))
        return error_response(status, "http", str(exc.detail))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("HTTP %s %s failed", request.method, request.url.path, exc_info=exc)
        if _on_console(request):
            return console(request, 500, office_text("internal"))
        return error_response(500, "internal", office_text("internal"))

    app.add_exception_handler(OfficeError, office_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
    app.add_middleware(BodyLimit, console_page=console_page)


class BodyLimit:
    """Refuse a body over the limit before it is read whole: by its Content-Length, or
    while it streams in when none is given."""

    def __init__(self, app: ASGIApp, console_page: ConsolePage) -> None:
        self.app = app
        self.console_page = console_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = API_BODY_LIMIT if scope["path"].startswith("/api/") else BODY_LIMIT
        declared = dict(scope["headers"]).get(b"content-length")

        async def too_large() -> None:
            message = office_text("too_large", limit=limit)
            request = Request(scope)
            answer = (
                self.console_page(request, 413, office_text("web_bad_input"), message, None)
                if _on_console(request)
                else error_response(413, "too_large", message)
            )
            await answer(scope, receive, send)

        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await too_large()
            return
        seen, refused = 0, False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit and not refused:
                refused = True
                await too_large()
                return {"type": "http.disconnect"}  # the app stops reading; its answer is dropped
            return message

        async def unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, unless_refused)
