"""The ASGI application: `/health`, the webhooks and `/api/v1`, documented at `/api/docs`."""

import hmac
import json
import logging

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import text
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bot import metrics, telegram, zalo
from handlers.catalogue import office_text
from web import (
    api,
    console,
    console_admin,
    console_answer,
    console_archive,
    console_figures,
    errors,
)
from web.deps import StateDep, get_state, storable_text
from web.schemas import HealthOut
from web.state import HttpState

log = logging.getLogger(__name__)

DESCRIPTION = """
Sổ góp ý: phần mềm một cửa gửi hồ sơ cho bot, bot mời công dân đánh giá khi trả kết quả.

The one-stop desk's software registers each case (`POST /api/v1/cases`), prints the
receipt (`…/receipt.pdf`) or the QR code, and tells the bot when the result is returned
(`POST /api/v1/cases/{code}/done`); the running bot then asks the citizen. Every call
carries `Authorization: Bearer <key>` (`sogopy apikey create --ward CODE`); a ward's key
sees only that ward. Errors are `{"error": {"code", "message", "field"}}`.
"""


class WebhooksFirst:
    """The webhooks' POSTs straight to their endpoints, ahead of FastAPI's middleware.

    A webhook is nearly every request a busy bot serves, and it needs none of the layers
    the API and the console do (exception pages, validation, the exit stack); with them,
    FastAPI, Starlette and uvicorn were a tenth of a press's CPU (issue 14). A body with
    no Content-Length, or a larger one than `errors.BODY_LIMIT`, takes the whole stack,
    which streams and refuses it.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = WEBHOOKS.get(scope["path"]) if scope["type"] == "http" else None
        if endpoint is None or scope["method"] != "POST" or not _small(scope):
            await self.app(scope, receive, send)
            return
        scope["app"] = self.app  # what Starlette sets, for `get_state`
        response = await endpoint(Request(scope, receive))
        await response(scope, receive, send)


def _small(scope: Scope) -> bool:
    """True when the request declares a body within `errors.BODY_LIMIT`."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return value.isdigit() and int(value) <= errors.BODY_LIMIT
    return False


def create_asgi(state: HttpState) -> ASGIApp:
    """What uvicorn serves: the app, with the webhooks first."""
    return WebhooksFirst(create_app(state))


def create_app(state: HttpState) -> FastAPI:
    app = FastAPI(
        title="Sổ góp ý API",
        version="1",
        description=DESCRIPTION,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.state.http = state
    errors.install(app, console.error_page)
    # first: routes are matched in order (with a hundred console and API routes before
    # them, matching took 60% of a webhook's CPU in the app); a webhook POST of a declared
    # length is served before all this by `WebhooksFirst`, the others come here. Starlette's
    # own routes, as they read nothing FastAPI would validate or document
    for path, endpoint in WEBHOOKS.items():
        app.router.routes.append(Route(path, endpoint, methods=["POST"]))
    app.add_api_route(
        "/health",
        health,
        methods=["GET"],
        response_model=HealthOut,
        responses={503: {"model": HealthOut}},
        tags=["health"],
    )
    app.add_api_route("/", to_console, methods=["GET"], include_in_schema=False)
    app.add_api_route("/metrics", prometheus, methods=["GET"], include_in_schema=False)
    checked = [Depends(storable_text)]  # what people type: never a NUL into PostgreSQL
    app.include_router(api.router, dependencies=checked)
    app.include_router(console.router, dependencies=checked)
    app.include_router(console_answer.router, dependencies=checked)
    app.include_router(console_archive.router, dependencies=checked)  # the month's archive PDF
    app.include_router(console_admin.router, dependencies=checked)
    app.include_router(console_figures.router, dependencies=checked)
    return app


async def health(state: StateDep) -> JSONResponse:
    """200 when the bot is connected and its database answers (`SELECT 1`); else 503."""
    ok = state.ready
    if ok:
        try:
            async with state.db() as session:
                await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        except Exception:
            log.warning("health: the database does not answer", exc_info=True)
            ok = False
    return JSONResponse({"ok": ok}, status_code=200 if ok else 503)


async def to_console() -> RedirectResponse:
    """`GET /`: the console, as CONTRACT.md promises (a person typing the bare address got
    the API's JSON 404)."""
    return RedirectResponse("/console", status_code=303)


async def prometheus(state: StateDep) -> Response:
    """`GET /metrics`: Prometheus's text format (updates, latency, backlog, leader)."""
    body = await metrics.exposition(state.db, state.clock())
    return Response(body, media_type=metrics.CONTENT_TYPE)


async def zalo_webhook(request: Request) -> JSONResponse:
    """`POST /zalo/webhook`: the secret header is checked in constant time."""
    state = await get_state(request)
    if state.zalo is None:
        return errors.error_response(404, "not_found", office_text("not_found"))
    given = request.headers.get(zalo.SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, state.zalo_secret.encode()):
        log.warning("Zalo webhook refused: wrong or missing secret")
        return JSONResponse({"ok": False}, status_code=401)
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        log.warning("Zalo webhook refused: the body is not JSON")
        return JSONResponse({"ok": False}, status_code=400)
    update = body.get("result", body) if isinstance(body, dict) else None
    if not isinstance(update, dict) or not await state.zalo.process(update):
        log.warning("Zalo webhook refused: not an update we know")
        return JSONResponse({"ok": False}, status_code=400)
    return JSONResponse({"ok": True})


async def telegram_webhook(request: Request) -> JSONResponse:
    """`POST /telegram/webhook`: 200 only once the update is handled and committed; a
    press's `answerCallbackQuery` is that 200's body, which Telegram performs.

    The secret header is checked in constant time before anything is read. A failure
    answers 500, so Telegram delivers the update again (to this or another process).
    """
    state = await get_state(request)
    if state.telegram is None:
        return errors.error_response(404, "not_found", office_text("not_found"))
    given = request.headers.get(telegram.SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, state.telegram_secret.encode()):
        log.warning("Telegram webhook refused: wrong or missing secret")
        return JSONResponse({"ok": False}, status_code=401)
    try:
        update = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        update = None
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        log.warning("Telegram webhook refused: not an update")
        return JSONResponse({"ok": False}, status_code=400)
    answer = await state.telegram.on_webhook(update)
    if answer is None:
        return JSONResponse({"ok": False}, status_code=500)
    return JSONResponse(answer or {"ok": True})  # a press's answer, for Telegram to perform


# the webhooks' endpoints by path, served by the app's routes and ahead of them by
# `WebhooksFirst`
WEBHOOKS = {telegram.WEBHOOK_PATH: telegram_webhook, zalo.WEBHOOK_PATH: zalo_webhook}
