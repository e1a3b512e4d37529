"""A command loads only what it uses: `ward list` starts without the bot, spreadsheets,
charts, QR codes or Alembic (the schema is already current), which took most of its time;
`sogopy --help` without the database, the settings or Rich."""

import gc
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

import office.wards
from storage.db import upgrade_sync
from tests.bot.conftest import clean_env, sogopy

HEAVY = ("alembic", "telegram", "openpyxl", "matplotlib", "segno", "apscheduler", "aiohttp", "yaml")
HEAVY += ("fpdf", "PIL", "httpx")  # the archive PDF and its photos: `export archive` alone
PROBE = (
    "import sys\n"
    "from bot.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "finally:\n"
    "    print(' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
)


def loaded_by(*args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `sogopy ARGS` in a fresh process; its result and the libraries it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result, set(result.stderr.split())


@pytest.mark.any_database
def test_ward_list_loads_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sogopy.db'}"
    upgrade_sync(url)
    result, loaded = loaded_by("ward", "list", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Chưa có phường, xã nào")
    assert "sqlalchemy" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.any_database
def test_help_loads_neither_the_database_nor_the_settings_nor_rich(tmp_path: Path) -> None:
    """The help texts come from the catalogue, which must stay as light as the help."""
    result, loaded = loaded_by("--help", DATABASE_URL=f"sqlite:///{tmp_path / 'sogopy.db'}")
    assert result.returncode == 0, result.stderr
    assert "Phường, xã, thị trấn." in result.stdout and "apikey" in result.stdout
    never = {"sqlalchemy", "sqlmodel", "pydantic", "pydantic_settings", "aiosqlite", "rich"}
    assert loaded.isdisjoint(never), sorted(loaded & never)
    assert not (tmp_path / "sogopy.db").exists()


@pytest.mark.any_database
def test_the_collector_runs_during_the_work_and_after_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It is off only while a command loads its modules: on for the office's work (which
    may make garbage), with what loaded frozen out of its passes, and on again in a
    process that runs commands in turn (tests)."""
    seen: list[tuple[bool, bool]] = []

    async def listing(session: object) -> Sequence[object]:
        seen.append((gc.isenabled(), gc.get_freeze_count() > 0))
        return []

    monkeypatch.setattr(office.wards, "list_wards", listing)
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'sogopy.db'}")
    gc.unfreeze()  # an earlier test in this process may have frozen its own start-up
    assert sogopy(env, "ward", "list").returncode == 0
    assert seen == [(True, True)] and gc.isenabled()
    refused = sogopy(env, "ward", "set", "NOWHERE")  # refused before any work
    assert refused.returncode == 1 and refused.stderr.startswith("Lỗi:")
    assert gc.isenabled()
