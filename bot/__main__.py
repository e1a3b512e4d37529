"""`python -m bot` is `sogopy`."""

from bot.cli import main

main()
