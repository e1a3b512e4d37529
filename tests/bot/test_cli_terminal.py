"""What citizens typed reaches a clerk's terminal as text, never as escape sequences."""

import io
import os
import pty
import subprocess

import pytest

from bot.cli_common import _ShownControls
from tests.bot.conftest import SOGOPY, sogopy

# an OSC 52 sequence: many terminals would put "rm -rf ~" on the clipboard
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"


def test_control_characters_are_shown_and_the_rest_kept() -> None:
    out = io.BytesIO()
    shown = _ShownControls(out)
    text = f"Phường {CLIPBOARD}Đỏ\x9b31m\tô\r\n".encode()
    cut = text.index("Đ".encode()) + 1  # a letter's bytes split between two writes
    shown.write(text[:cut])
    shown.write(text[cut:])
    assert out.getvalue().decode() == "Phường �]52;c;cm0gLXJmIH4=�Đỏ�31m\tô\r\n"


@pytest.mark.any_database
def test_a_name_with_an_escape_sequence_reaches_a_terminal_as_text(
    bot_env: dict[str, str],
) -> None:
    added = sogopy(bot_env, "ward", "add", "DO", f"Phường {CLIPBOARD}Đỏ")
    assert added.returncode == 0, added.stderr
    piped = sogopy(bot_env, "ward", "list")  # a pipe or a file: exactly as kept
    assert CLIPBOARD in piped.stdout
    leader, follower = pty.openpty()
    try:
        listed = subprocess.run(
            [SOGOPY, "ward", "list"], env=bot_env, stdout=follower, stderr=follower, timeout=60
        )
        os.close(follower)
        follower = -1
        seen = b""
        while chunk := _read(leader):
            seen += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert listed.returncode == 0
    printed = seen.decode()
    assert "\x1b" not in printed and "\x07" not in printed
    assert "Phường �]52;c;cm0gLXJmIH4=�Đỏ" in printed


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 4096)
    except OSError:  # Linux: the terminal's other end closed
        return b""
