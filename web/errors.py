"""Every error of the HTTP app as one JSON shape: `{"error": {"code", "message", "field"}}`.

Office errors keep their status; FastAPI's validation errors become 422 naming the
first field at fault; unknown routes and methods, oversized bodies and unexpected
failures get the same shape, with a Vietnamese message.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handlers.catalogue import office_text
from office.errors import OfficeError

log = logging.getLogger(__name__)

API_BODY_LIMIT = 64 * 1024  # a case is a few hundred bytes
BODY_LIMIT = 1024 * 1024  # webhooks


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


async def _office_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OfficeError)
    return error_response(exc.status, exc.code, exc.message, exc.field)


def _field(location: tuple[object, ...]) -> str:
    """("body", "ward") → "ward"; ("query", "since") → "since"; the body itself → "body"."""
    parts = [str(part) for part in location[1:] if not isinstance(part, int)]
    return ".".join(parts) or str(location[0] if location else "body")


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    field = _field(tuple(first.get("loc", ())))
    reason = str(first.get("msg", "")).removeprefix("Value error, ")
    return error_response(
        422, "invalid", office_text("bad_field", field=field, reason=reason), field
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(404, "not_found", office_text("not_found"))
    if exc.status_code == 400:  # FastAPI could not read the body (not JSON, not UTF-8)
        message = office_text("bad_field", field="body", reason=str(exc.detail))
        return error_response(422, "invalid", message, "body")
    if exc.status_code == 405:
        return error_response(405, "method", office_text("method", method=request.method))
    return error_response(exc.status_code, "http", str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("HTTP %s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", office_text("internal"))


def install(app: FastAPI) -> None:
    app.add_exception_handler(OfficeError, _office_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(BodyLimit)


class BodyLimit:
    """Refuse a body over the limit before it is read whole: by its Content-Length, or
    while it streams in when none is given."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = API_BODY_LIMIT if scope["path"].startswith("/api/") else BODY_LIMIT
        declared = dict(scope["headers"]).get(b"content-length")

        async def too_large() -> None:
            answer = error_response(413, "too_large", office_text("too_large", limit=limit))
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
