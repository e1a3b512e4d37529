"""The baseline: python-telegram-bot's AIORateLimiter sending one message to each chat.

    python -m bench.ptb_broadcast BASE_URL TOKEN RATE FIRST_CHAT COUNT

All sends are started at once and the limiter spaces them, as PTB's documentation
suggests for mass sending; a 429 it cannot absorb is retried (max_retries=3).
"""

import asyncio
import sys

from telegram.ext import AIORateLimiter, ApplicationBuilder

TEXT = "<b>Khảo sát mức độ hài lòng</b>\nPhường kính mời Ông/Bà dành ít phút cho 5 câu hỏi."


async def main(base_url: str, token: str, rate: float, first: int, count: int) -> None:
    limiter = AIORateLimiter(overall_max_rate=rate, overall_time_period=1, max_retries=3)
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .rate_limiter(limiter)
        .connection_pool_size(64)
        .build()
    )
    async with app:
        results = await asyncio.gather(
            *(
                app.bot.send_message(chat, TEXT, parse_mode="HTML")
                for chat in range(first, first + count)
            ),
            return_exceptions=True,
        )
    failed = [r for r in results if isinstance(r, Exception)]
    print(f"failed {len(failed)}", file=sys.stderr)


if __name__ == "__main__":
    url, token, rate, first, count = sys.argv[1:6]
    asyncio.run(main(url, token, float(rate), int(first), int(count)))
