"""The callback registry: every button prefix in one place, none taken twice."""

import pytest

from handlers.callbacks import CALLBACKS, Callbacks
from handlers.events import Response


def test_every_prefix_of_the_buttons_already_sent_still_has_its_handler() -> None:
    assert set("akgwvrbfosxp") <= CALLBACKS.prefixes


async def _nothing(*_: object) -> Response:
    return Response()


def test_a_prefix_taken_twice_or_unreadable_is_refused() -> None:
    callbacks = Callbacks()
    callbacks.add("q", _nothing)
    with pytest.raises(ValueError, match="'q' is taken by _nothing"):
        callbacks.add("q", _nothing)
    for bad in ("", "q:1", "ư"):
        with pytest.raises(ValueError, match="letters and digits"):
            callbacks.add(bad, _nothing)
