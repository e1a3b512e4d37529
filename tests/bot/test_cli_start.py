"""A command loads only what it uses: `ward list` starts without the bot, spreadsheets,
charts, QR codes or Alembic (the schema is already current), which took most of its time."""

import subprocess
import sys
from pathlib import Path

import pytest

from storage.db import upgrade_sync
from tests.bot.conftest import clean_env

HEAVY = ("alembic", "telegram", "openpyxl", "matplotlib", "segno", "apscheduler", "aiohttp", "yaml")
PROBE = (
    "import sys\n"
    "from bot.cli import main\n"
    "try:\n"
    "    main(['ward', 'list'])\n"
    "finally:\n"
    "    print(' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
)


@pytest.mark.any_database
def test_ward_list_loads_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sogopy.db'}"
    upgrade_sync(url)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=clean_env(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Chưa có phường, xã nào")
    loaded = set(result.stderr.split())
    assert "sqlalchemy" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
