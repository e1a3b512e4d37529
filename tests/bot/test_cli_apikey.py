"""`sogopy apikey`: a key printed once on its own line, listed by prefix, revoked at once."""

import asyncio

import pytest
from typer.testing import CliRunner

from bot.cli import app
from office.keys import authenticate
from storage.db import create_engine, session_maker
from storage.models import Ward
from tests.bot.conftest import clean_env, store

runner = CliRunner()


@pytest.fixture
def office_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("SOGOPY_HTTP_PORT", raising=False)
    for key, value in clean_env(DATABASE_URL=database_url).items():
        monkeypatch.setenv(key, value)
    asyncio.run(store(database_url, Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")))
    return database_url


def valid(database_url: str, key: str) -> str | None:
    """The ward (or "city") the key opens, None when the API would refuse it."""

    async def check() -> str | None:
        engine = create_engine(database_url)
        try:
            async with session_maker(engine)() as session:
                found = await authenticate(session, key)
        finally:
            await engine.dispose()
        return None if found is None else found.ward_code or "city"

    return asyncio.run(check())


def test_keys_are_made_listed_and_revoked(office_env: str) -> None:
    ward = runner.invoke(app, ["apikey", "create", "--ward", "nghia-tan", "--name", "Một  cửa"])
    assert ward.exit_code == 0, ward.output
    key = ward.stdout.strip()
    assert "\n" not in key and key.startswith("sgp_") and len(key) > 40  # alone on stdout
    assert "không được in lại" in ward.stderr
    city = runner.invoke(app, ["apikey", "create", "--city"]).stdout.strip()
    assert valid(office_env, key) == "NGHIA-TAN" and valid(office_env, city) == "city"

    listed = runner.invoke(app, ["apikey", "list"]).stdout.splitlines()
    assert [line.split("\t")[:4] for line in listed] == [
        ["1", f"{key[:12]}…", "NGHIA-TAN", "Một cửa"],
        ["2", f"{city[:12]}…", "toàn thành phố", "-"],
    ]
    assert key not in "\n".join(listed)  # the key itself is never shown again

    revoked = runner.invoke(app, ["apikey", "revoke", "1"])
    assert revoked.exit_code == 0 and "Đã thu hồi" in revoked.stdout
    assert valid(office_env, key) is None and valid(office_env, city) == "city"
    assert "thu hồi" in runner.invoke(app, ["apikey", "list"]).stdout.splitlines()[0]
    again = runner.invoke(app, ["apikey", "revoke", "1"])
    assert again.exit_code == 0 and "trước đó" in again.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["apikey", "create"], "--ward MÃ hoặc --city"),
        (["apikey", "create", "--city", "--ward", "NGHIA-TAN"], "--ward MÃ hoặc --city"),
        (["apikey", "create", "--ward", "KHONG-CO"], "Không có phường/xã mã 'KHONG-CO'"),
        (["apikey", "revoke", "9"], "Không có khoá API số 9"),
    ],
)
def test_mistakes_are_one_line_and_make_no_key(
    office_env: str, args: list[str], message: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert result.stdout == "" and runner.invoke(app, ["apikey", "list"]).stdout == ""
