"""The baseline: python-telegram-bot's echo example, default settings, as its own process.

TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=... python -m bench.echo_bot

With ECHO_WEBHOOK_PORT (and ECHO_WEBHOOK_URL, ECHO_WEBHOOK_SECRET), it takes updates by
webhook instead, with PTB's own `run_webhook` (tornado), for bench/webhook.py.
"""

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the same text back."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def main() -> None:
    builder = Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
    application = builder.base_url(os.environ["TELEGRAM_API_BASE_URL"]).build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    if "ECHO_WEBHOOK_PORT" in os.environ:
        application.run_webhook(
            listen="127.0.0.1",
            port=int(os.environ["ECHO_WEBHOOK_PORT"]),
            url_path="telegram/webhook",
            webhook_url=os.environ["ECHO_WEBHOOK_URL"],
            secret_token=os.environ["ECHO_WEBHOOK_SECRET"],
        )
    else:
        application.run_polling(poll_interval=0, timeout=10)


if __name__ == "__main__":
    main()
