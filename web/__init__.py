"""The bot's own HTTP app (FastAPI): the Zalo webhook, `/health` and the `/api/v1` API.

It runs inside `sogopy run`, on the bot's event loop and database engine (`web.server`);
routes are thin doors over `office/`, with the session and the caller's key as
dependencies (`web.deps`).
"""
