"""The replies' outbox as rows: a reply's stored form, and rows added inside a caller's
transaction.

Here, not in `bot/`, because the office writes to it too: a leader's act on the web
(a signature, an answer) and the citizen's message it owes commit together, and the
running bot sends the row. Not in `storage/` either, which knows no `Reply`.
"""

import base64
import json
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.events import Address, Choice, Reply
from storage.models import PendingReply


def to_json(reply: Reply) -> str:
    """A reply as stored (its address is the row's)."""
    return json.dumps(
        {
            "text": reply.text,
            "choices": [[choice.label, choice.data] for choice in reply.choices],
            "columns": reply.columns,
            "edit": reply.edit,
            "photo": reply.photo,
            "image": base64.b64encode(reply.image).decode() if reply.image is not None else None,
            "replaces": reply.replaces,
            "news": reply.news,
            "free_text": reply.free_text,
        },
        ensure_ascii=False,
    )


def from_json(stored: str) -> Reply:
    data = json.loads(stored)
    return Reply(
        data["text"],
        tuple(Choice(label, value) for label, value in data["choices"]),
        columns=data["columns"],
        edit=data["edit"],
        photo=data["photo"],
        image=base64.b64decode(data["image"]) if data["image"] is not None else None,
        replaces=data.get("replaces", False),  # rows kept before these three existed
        news=data.get("news"),
        free_text=data.get("free_text", False),
    )


def add(session: AsyncSession, kept: dict[Address, list[Reply]], error: str, now: datetime) -> None:
    """Rows for replies to send later, in the order given; committed with the caller's work."""
    for address, replies in kept.items():
        for reply in replies:
            session.add(
                PendingReply(
                    platform=address.platform,
                    chat_id=address.chat_id,
                    reply=to_json(reply),
                    created_at=now,
                    next_try_at=now,
                    error=error[:200],
                )
            )
