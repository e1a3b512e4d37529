"""The neutral shapes that cross between transports and handlers.

A transport (Telegram, Zalo, the emulator) turns what its platform sends into an
`Incoming`, and turns each `Reply` back into its own calls: HTML, edits and inline
buttons on Telegram; plain text, new messages and numbered lines on Zalo, which has
none of them. A reply's text is in the replies' own small markup (`handlers.markup`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    PHOTO = "photo"
    CHOICE = "choice"  # a button press, or a numbered answer on chats without buttons
    UNSUPPORTED = "unsupported"  # stickers, voice, locations...


@dataclass(frozen=True)
class Address:
    """A chat on one platform: chat ids of different platforms never mix."""

    platform: str
    chat_id: str


@dataclass(frozen=True)
class Incoming:
    """One thing a person did in a private chat with the bot."""

    address: Address
    kind: Kind
    user_name: str = ""
    text: str = ""  # message text, photo caption, or a command's argument
    command: str = ""  # lower-case, without the slash
    choice: str = ""  # the pressed button's data
    message_id: int | None = None  # the person's message, or the bot message pressed
    # handled once, in whatever order they come: Zalo's message ids, Telegram webhook updates'
    seen_id: str | None = None
    numbered: bool = False  # a chat without buttons: text may answer the numbered choices
    photo: str | None = None  # platform file id
    language: str | None = None  # the client's language hint
    # set when this process has not answered the chat yet (it just started, or a reply was
    # neither sent nor kept), or for a webhook update (another process may have decided it):
    # an event handled before (redelivered after a crash) then re-sends what the person
    # should now see, since its replies may never have left
    resend: bool = False


def data_id(text: str) -> int | None:
    """A row id written into callback data; None for what only a forged button carries
    (digits that are not ASCII, a number too large for any id column)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


@dataclass(frozen=True)
class Choice:
    label: str
    data: str  # at most 64 bytes: Telegram's limit on callback data


@dataclass(frozen=True)
class Reply:
    """A message to send, or to put in place of `edit` (a message id) when given.

    `text` is in the replies' markup (`handlers.markup`: b, i, code, blockquote and
    escaped text); every piece of person-written text inside it is escaped by the
    handler that wrote it (`say` does).

    A reply that `replaces` is the prompt just answered shown again, changed (Telegram
    edits it in place when `edit` names it): a chat that cannot edit (Zalo) is sent only
    its `news`, what changed (all of it when None, nothing when empty), and the prompt's
    numbered choices become this reply's (none: forgotten). Any other reply leaves the numbers shown
    before in place unless it offers choices of its own.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    columns: int = 1
    to: Address | None = None  # None: the chat the event came from
    edit: int | None = None
    replaces: bool = False
    news: str | None = None  # markup, like `text`
    free_text: bool = False  # a prompt for words: its choices are only a way out of it
    photo: str | None = None  # a platform file id
    image: bytes | None = None  # a picture made here (a chart), uploaded
    # the picture's drawing, done by `handlers.router.handle` after the commit, in a thread
    draw: Callable[[], bytes] | None = None
    document: tuple[str, bytes] | None = None  # a file made here (file name, content)


@dataclass
class Response:
    """What a handler decided: messages, and the short notice a button press shows."""

    replies: list[Reply] = field(default_factory=list)
    notice: str = ""
    failed: bool = False  # the handlers failed: an apology, nothing committed
    again: bool = False  # failed because the database was away: the event may come again
