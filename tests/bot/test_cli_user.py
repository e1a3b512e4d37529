"""`sogopy user add`: a console account and its one-time set-password link."""

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings
from tests.bot.test_cli_apikey import office_env  # noqa: F401  (a fixture)

runner = CliRunner()


def test_an_account_is_added_with_a_link_to_set_its_password(
    office_env: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOGOPY_PUBLIC_URL", "https://gopy.example.vn/")
    made = runner.invoke(
        app, ["user", "add", "--ward", "nghia-tan", "--role", "clerk", "--name", "Lê Thị Hoa"]
    )
    assert made.exit_code == 0, made.output
    line, link = made.stdout.splitlines()
    assert "Lê Thị Hoa (clerk, NGHIA-TAN)" in line
    assert re.fullmatch(r"https://gopy\.example\.vn/console/password/[\w-]{40,}", link)

    again = runner.invoke(app, ["user", "add", "--ward", "NGHIA-TAN", "--role", "leader",
                                "--name", "Lê  Thị Hoa"])  # fmt: skip
    assert again.exit_code == 1 and "Đã có tài khoản" in again.stderr
    admin = runner.invoke(app, ["user", "add", "--role", "admin", "--name", "Thành phố"])
    assert admin.exit_code == 0 and "toàn thành phố" in admin.stdout
    monkeypatch.delenv("SOGOPY_PUBLIC_URL")
    monkeypatch.setenv("SOGOPY_HTTP_PORT", "8099")
    clerk = runner.invoke(app, ["user", "add", "--role", "clerk", "--name", "Không phường"])
    assert clerk.exit_code == 1 and "--ward" in clerk.stderr
    bad = runner.invoke(app, ["user", "add", "--role", "boss", "--ward", "X", "--name", "B"])
    assert bad.exit_code == 1 and "clerk, leader hoặc admin" in bad.stderr
    leader = runner.invoke(
        app, ["user", "add", "--ward", "NGHIA-TAN", "--role", "leader", "--name", "Chủ tịch"]
    )
    assert leader.stdout.splitlines()[1].startswith("http://127.0.0.1:8099/console/password/")


@pytest.mark.any_database
def test_without_a_secret_key_sqlite_keeps_one_beside_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/data/sogopy.db"
    first = Settings(DATABASE_URL=url).console_secret
    assert len(first) >= 40 and Settings(DATABASE_URL=url).console_secret == first
    assert (tmp_path / "data" / "sogopy.db.secret-key").stat().st_mode & 0o077 == 0
    given = Settings(DATABASE_URL=url, SOGOPY_SECRET_KEY="đặt sẵn").console_secret
    assert given == "đặt sẵn"
    postgres = "postgresql+asyncpg://u@h/db"
    assert Settings(DATABASE_URL=postgres).console_secret != first
