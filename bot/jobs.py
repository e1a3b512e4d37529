"""Scheduled work, run by APScheduler inside the bot's event loop."""

import logging

from bot.dispatch import Delivery, Dispatcher
from handlers.events import Address
from handlers.router import case_prompt, mark_prompted
from storage.queries import due_case_prompts

log = logging.getLogger(__name__)

CASE_BATCH = 50


async def prompt_done_cases(dispatcher: Dispatcher) -> int:
    """Ask each citizen whose case was returned for the survey, once; returns how many."""
    ctx = dispatcher.ctx
    async with ctx.db() as session:
        due = await due_case_prompts(session, ctx.clock() - ctx.survey_delay, CASE_BATCH)
    sent = 0
    for case_id, platform, chat_id in due:
        address = Address(platform, chat_id)
        async with dispatcher.chat(address):
            decided = await case_prompt(ctx, case_id)
            outcome = Delivery.SENT
            if decided is not None:
                outcome = await dispatcher.deliver(decided[0], decided[1])
            if outcome == Delivery.FAILED:
                continue  # not marked: the next run tries again
            await mark_prompted(ctx, case_id)
            sent += outcome == Delivery.SENT and decided is not None
    return sent
