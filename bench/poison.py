"""How many kinds of malformed update `sogopy run` survives (issue 10, point 1).

For each kind, a fresh `sogopy run` (its own SQLite file) polls the Bot API emulator,
which delivers that one malformed update and then a citizen's `/help`. The kind is
survived when the process is still running, `/help` is answered and the emulator has
no update left unconfirmed (the offset moved past the bad one).

    python -m bench.poison [--seconds 30]

Prints one line per kind and the count survived.
"""

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.emulator import BotApiEmulator

TOKEN = "424242:POISON-TOKEN"
Json = dict[str, Any]


def _message(chat_id: int, message_id: int, **changes: Any) -> Json:
    """A citizen's private message as Telegram sends it, with `changes` applied (None: drop)."""
    message: Json = {
        "message_id": message_id,
        "from": {"id": chat_id, "is_bot": False, "first_name": "An"},
        "chat": {"id": chat_id, "type": "private", "first_name": "An"},
        "date": 1_764_547_200,
        "text": "xin chào",
    }
    message.update(changes)
    return {key: value for key, value in message.items() if value is not None}


def poison_updates(chat_id: int) -> dict[str, Json]:
    """Malformed updates from `chat_id`, by kind: each once killed `sogopy run` for good,
    or risks it; `inject_raw_update` delivers them."""
    big = 2**64 + 5  # beyond a signed 64-bit integer (SQLite's INTEGER, PostgreSQL's BIGINT)
    command = {"type": "bot_command", "offset": 0, "length": 5}
    return {
        "entities is not a list": {"message": _message(chat_id, 1, text="/help", entities=command)},
        "chat without id": {
            "message": _message(chat_id, 2, chat={"type": "private", "first_name": "An"})
        },
        "photo without file_id": {
            "message": _message(chat_id, 3, text=None, photo=[{"width": 90, "height": 67}])
        },
        "message_id is a string": {"message": _message(chat_id, "4")},  # type: ignore[arg-type]
        "chat id beyond 64 bits": {
            "message": _message(
                chat_id, 5, chat={"id": big, "type": "private"}, **{"from": {"id": big}}
            )
        },
        "message_id beyond 64 bits": {"message": _message(chat_id, 2**63)},
        "text is not a string": {"message": _message(chat_id, 7, text=12345)},
        "entity length is a string": {
            "message": _message(chat_id, 8, text="/help", entities=[{**command, "length": "5"}])
        },
        "from is not an object": {"message": _message(chat_id, 9, **{"from": "An"})},
        "message is a list": {"message": [chat_id, 10]},
        "callback query without id or message": {
            "callback_query": {"from": {"id": chat_id}, "data": "a:1:1"}
        },
        "callback data is an object": {
            "callback_query": {
                "id": "q1",
                "from": {"id": chat_id, "first_name": "An"},
                "message": _message(chat_id, 11),
                "data": {"a": 1},
            }
        },
    }


async def survives(kind: str, update: Json, seconds: float) -> tuple[bool, str]:
    """Whether a fresh `sogopy run` lives through `update` and still answers a citizen."""
    with tempfile.TemporaryDirectory() as folder:
        async with BotApiEmulator(TOKEN) as emulator:
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BOT_USERNAME": "poison_bot",
                "TELEGRAM_API_BASE_URL": emulator.base_url,
                "DATABASE_URL": f"sqlite+aiosqlite:///{Path(folder) / 'poison.db'}",
                "SOGOPY_LOG_LEVEL": "CRITICAL",
            }
            sogopy = str(Path(sys.executable).parent / "sogopy")
            process = await asyncio.create_subprocess_exec(sogopy, "run", env=env)
            try:
                await emulator.wait_polling(timeout=60)
                emulator.inject_raw_update(update)
                citizen = emulator.user(777)
                await citizen.send_text("/help")
                answer = asyncio.create_task(citizen.next_message(timeout=seconds))
                died = asyncio.create_task(process.wait())
                await asyncio.wait({answer, died}, return_when=asyncio.FIRST_COMPLETED)
                if died.done():
                    answer.cancel()
                    return False, f"the process exited ({died.result()})"
                died.cancel()
                if answer.exception() is not None:
                    return False, "no answer"
                await emulator.wait_idle(timeout=seconds)
                return True, "answered, offset moved on"
            except AssertionError as exc:
                return False, str(exc)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    kinds = poison_updates(777)
    survived = 0
    for kind, update in kinds.items():
        ok, how = await survives(kind, update, args.seconds)
        survived += ok
        print(f"{'survived' if ok else 'DIED    '}  {kind}: {how}", flush=True)
    print(f"bad update kinds survived: {survived}/{len(kinds)}")


if __name__ == "__main__":
    asyncio.run(main())
