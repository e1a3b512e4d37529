"""The Telegram start link: the one rule for every door (CLI, API, receipts, console).

Kept free of imports so that the CLI, which prints links, still starts quickly.
"""

PAYLOAD_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def start_link(username: str, payload: str) -> str:
    """`https://t.me/<bot>?start=<payload>`; the payload is at most 64 of `A-Za-z0-9_-`."""
    assert 0 < len(payload) <= 64 and set(payload) <= PAYLOAD_CHARACTERS, payload
    return f"https://t.me/{username}?start={payload}"
