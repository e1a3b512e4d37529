"""A number no row can have (beyond PostgreSQL's INTEGER, or below 1), typed at the CLI
or sent to the office by any door, is "not found", never a refused query."""

import pytest

from handlers.context import Context
from office.broadcasts import broadcast_status, cancel_broadcast
from office.errors import NotFound
from office.keys import revoke_key

BEYOND = (0, -1, 2**31, 99999999999999999999)


@pytest.mark.parametrize("number", BEYOND)
async def test_a_number_beyond_the_ids_names_no_broadcast_and_no_key(
    ctx: Context, number: int
) -> None:
    async with ctx.db() as session:
        for lookup in (broadcast_status, cancel_broadcast, revoke_key):
            with pytest.raises(NotFound) as raised:
                await lookup(session, number)
            assert raised.value.field == "id"
