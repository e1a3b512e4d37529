"""Button data: which handler each prefix goes to, every prefix in this one registry.

A button's data is `<prefix>:<fields…>` (at most 64 bytes, Telegram's limit); on Zalo
the same data stands behind a number. The prefixes are one letter each, in the module
that writes the buttons, and keep their values forever: buttons already sent name
them. A prefix taken twice stops the import, so two features can never share one.

Adding a button is one line below: `CALLBACKS.add(module.PREFIX, handler)`, where the
handler takes `(session, ctx, person, event)`; the few older handlers with other
arguments are adapted where they are registered.
"""

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import broadcasts, figures, leaders, privacy, suggestions, survey
from handlers.catalogue import say
from handlers.context import Context
from handlers.events import Incoming, Response
from storage.models import Person
from storage.queries import kind_of

Handler = Callable[[AsyncSession, Context, Person, Incoming], Awaitable[Response]]


class Callbacks:
    """Prefix → handler; refuses a prefix taken, or one that cannot be told apart."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def add(self, prefix: str, handler: Handler) -> None:
        if not prefix.isascii() or not prefix.isalnum():
            raise ValueError(f"callback prefix {prefix!r}: letters and digits only")
        if prefix in self._handlers:
            taken = self._handlers[prefix]
            raise ValueError(f"callback prefix {prefix!r} is taken by {taken.__qualname__}")
        self._handlers[prefix] = handler

    @property
    def prefixes(self) -> frozenset[str]:
        return frozenset(self._handlers)

    async def handle(
        self, session: AsyncSession, ctx: Context, person: Person, event: Incoming
    ) -> Response:
        """The pressed button's handler; an unknown prefix is a button no longer in use."""
        handler = self._handlers.get(event.choice.partition(":")[0])
        if handler is None:
            return Response(notice=say(person.language, "bad_button"))
        return await handler(session, ctx, person, event)


CALLBACKS = Callbacks()
CALLBACKS.add(
    survey.ANSWER,
    lambda session, ctx, person, event: survey.on_answer(
        session, ctx, person, event.choice, event.message_id, event.resend
    ),
)
CALLBACKS.add(
    suggestions.SKIP,
    lambda session, ctx, person, event: suggestions.on_skip(
        session, ctx, person, event.choice, event.message_id, event.resend
    ),
)
CALLBACKS.add(suggestions.SIGN, suggestions.on_sign)
CALLBACKS.add(suggestions.WARD, suggestions.on_ward_choice)
CALLBACKS.add(leaders.SEEN, leaders.on_seen)
CALLBACKS.add(leaders.ANSWER, leaders.on_answer_start)
CALLBACKS.add(
    leaders.BOOK,
    lambda session, ctx, person, event: leaders.browse(
        session, ctx, person, event.choice, event.message_id
    ),
)
CALLBACKS.add(
    figures.FIGURES,
    lambda session, ctx, person, event: figures.on_period(session, ctx, person, event.choice),
)


async def _optin(session: AsyncSession, ctx: Context, person: Person, event: Incoming) -> Response:
    kind = await kind_of(session, person.ward_id)
    return broadcasts.on_optin(ctx, person, event.choice, kind)


CALLBACKS.add(broadcasts.OPTIN, _optin)
CALLBACKS.add(
    broadcasts.INVITE,
    lambda session, ctx, person, event: broadcasts.on_invitation(
        session, ctx, person, event.choice, event.message_id, event.resend
    ),
)
CALLBACKS.add(leaders.NO_ANSWER, leaders.on_no_answer)
CALLBACKS.add(leaders.REVIEW, leaders.on_review)
CALLBACKS.add(
    leaders.PHOTO,
    lambda session, ctx, person, event: leaders.on_photo(session, person, event),
)
CALLBACKS.add(
    leaders.MORE,
    lambda session, ctx, person, event: leaders.unread(
        session, ctx, person, event.choice, event.numbered
    ),
)
CALLBACKS.add(broadcasts.WIZARD, broadcasts.on_wizard)
CALLBACKS.add(privacy.PRIVACY, privacy.on_choice)
