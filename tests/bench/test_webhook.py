"""bench/webhook.py runs end to end on a few updates (its figures are the README's, not
asserted here): the echo bot by PTB's run_webhook, and two sogopy processes behind the
emulator's spread on PostgreSQL, with no 429 and every delivery answered 2xx."""

import pytest
from sqlalchemy import make_url

from bench.webhook import echo_rate, press_rate
from tests.conftest import PG_URL


async def test_the_echo_bot_answers_by_webhook() -> None:
    run = await echo_rate(people=2, messages=4)
    assert run.calls["sendMessage"] == 4
    assert (run.throttled, run.failed) == (0, 0)


@pytest.mark.skipif(not PG_URL, reason="several processes: PostgreSQL only")
async def test_two_processes_take_the_presses() -> None:
    own = make_url(PG_URL).set(database=f"{make_url(PG_URL).database}_webhookbench")
    run = await press_rate(2, 6, own.render_as_string(hide_password=False), processes=2)
    assert run.calls["answerCallbackQuery"] == run.calls["editMessageText"] == 6
    assert (run.throttled, run.failed) == (0, 0)
