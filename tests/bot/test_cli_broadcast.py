"""`sogopy survey …` and `sogopy broadcast …` from the terminal: clear lines, right exits."""

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.survey_library import PACKAGED
from storage.models import Broadcast, Person, Ward
from tests.bot.conftest import in_test_db, sogopy, sogopy_process, store

GOOD = (PACKAGED / "sipas.yaml").read_text("utf-8")


@pytest.mark.any_database
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.replace("questions:", "questions: []\nunused:"), ":10: questions: needs at"),
        (lambda s: s.replace("code: officer", "code: access"), ":21: questions[2].code: duplicate"),
        (lambda s: s.replace("scale: sipas5", "scale: stars10"), ":9: scale: unknown scale"),
        (lambda s: s.replace("Khảo sát mức độ hài lòng", "K" * 201), ":7: title.vi: is 201"),
        (
            lambda s: s.replace("  - code: access\n", "  - kode: access\n"),
            ":11: questions[0]: missing",
        ),
    ],
    ids=["no question", "duplicate code", "unknown scale", "label too long", "missing field"],
)
def test_survey_check_names_the_file_line_and_field(
    bot_env: dict[str, str], tmp_path: Path, change: object, expected: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(change(GOOD), "utf-8")  # type: ignore[operator]
    result = sogopy(bot_env, "survey", "check", str(bad))
    assert result.returncode == 1
    assert result.stderr.startswith(f"Lỗi: {bad}{expected}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.any_database
def test_survey_check_accepts_a_good_file_and_list_shows_refused_ones(
    bot_env: dict[str, str], tmp_path: Path
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD.replace("key: sipas", "key: thang12"), "utf-8")
    checked = sogopy_process(bot_env, "survey", "check", str(good))
    assert checked.returncode == 0
    assert checked.stdout == "Hợp lệ: thang12 phiên bản 2, 5 câu hỏi\n"
    (tmp_path / "broken.yaml").write_text("key: [", "utf-8")
    listed = sogopy({**bot_env, "SOGOPY_SURVEY_DIR": str(tmp_path)}, "survey", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines[:2]] == ["sipas", "thang12"]
    assert lines[2].startswith(f"Bị từ chối: {tmp_path / 'broken.yaml'}:1: not valid YAML")


def test_broadcast_commands_refuse_bad_input_with_one_line(
    bot_env: dict[str, str], database_url: str
) -> None:
    for args, message in (
        (("--survey", "nope"), "Lỗi: Không có khảo sát «nope»"),
        (("--survey", "sipas", "--ward", "KHONG-CO"), "Lỗi: Không có phường/xã mã 'KHONG-CO'"),
        (("--survey", "sipas", "--at", "mai"), "Lỗi: Giờ gửi «mai»: ghi dạng dd/mm/yyyy HH:MM"),
        (
            ("--survey", "sipas", "--at", "2020-01-01 08:00"),
            "Lỗi: Giờ gửi 2020-01-01 08:00 đã qua",
        ),
    ):
        result = sogopy(bot_env, "broadcast", "create", *args)
        assert result.returncode == 1 and result.stderr.startswith(message), result.stderr
    for command in ("status", "cancel"):
        result = sogopy(bot_env, "broadcast", command, "42")
        assert result.returncode == 1 and result.stderr == "Lỗi: Không có đợt gửi số 42\n"
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    asyncio.run(store(database_url, ward))
    reachable = Person(platform="telegram", chat_id="7001", optin=True, ward_id=ward.id)
    asyncio.run(store(database_url, reachable))
    created = sogopy(bot_env, "broadcast", "create", "--survey", "sipas")
    assert created.returncode == 0
    assert created.stdout.splitlines()[1] == (
        "Đợt gửi 1: khảo sát sipas tới 1 người (toàn thành phố), gửi ngay"
    )
    cancelled = sogopy(bot_env, "broadcast", "cancel", "1")
    assert cancelled.returncode == 0
    again = sogopy(bot_env, "broadcast", "cancel", "1")
    assert again.stderr == "Lỗi: Đợt gửi 1 không còn chạy: Đã huỷ\n"


def test_broadcast_at_reads_the_chats_form_and_refuses_quiet_hours_or_nobody(
    bot_env: dict[str, str], database_url: str
) -> None:
    """Issue 11, point 12: "--at dd/mm/yyyy HH:MM" as in the chat; a time in the quiet hours
    or a broadcast to nobody is one Vietnamese line and exit 1, and nothing is kept."""
    env = {**bot_env, "SOGOPY_QUIET_HOURS": "21:00-07:00"}
    asyncio.run(store(database_url, Ward(code="DICH-VONG", name="Phường Dịch Vọng")))
    nobody = sogopy(env, "broadcast", "create", "--survey", "sipas", "--ward", "Dịch Vọng")
    assert nobody.returncode == 1 and nobody.stdout == ""
    assert nobody.stderr == (
        "Lỗi: Chưa có ai ở Phường Dịch Vọng đồng ý nhận khảo sát: không tạo đợt gửi nào\n"
    )
    assert asyncio.run(in_test_db(database_url, lambda s: s.get(Broadcast, 1))) is None

    ward_id = asyncio.run(in_test_db(database_url, lambda s: s.get(Ward, 1))).id
    reader = Person(platform="zalo", chat_id="z1", optin=True, ward_id=ward_id)
    asyncio.run(store(database_url, reader))
    tomorrow = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() + timedelta(days=1)
    night = f"{tomorrow:%d/%m/%Y} 22:30"
    quiet = sogopy(env, "broadcast", "create", "--survey", "sipas", "--at", night)
    assert quiet.returncode == 1 and quiet.stdout == ""
    assert quiet.stderr == (
        f"Lỗi: Giờ gửi {night} rơi vào giờ nghỉ 21:00-07:00 (SOGOPY_QUIET_HOURS): chọn giờ khác\n"
    )
    morning = f"{tomorrow:%d/%m/%Y} 08:15"
    made = sogopy(
        env,
        "broadcast",
        "create",
        "--survey",
        "sipas",
        "--ward",
        "phuong dich vong",
        "--at",
        morning,
    )
    assert made.returncode == 0, made.stderr
    number = made.stdout.split()[0]  # PostgreSQL's sequence went past the refused one
    assert made.stdout.splitlines()[1] == (
        f"Đợt gửi {number}: khảo sát sipas tới 1 người (Phường Dịch Vọng), lúc {morning}"
    )
    contract = f"{tomorrow:%Y-%m-%d} 08:15"
    again = sogopy(env, "broadcast", "create", "--survey", "sipas", "--at", contract)
    assert again.returncode == 0 and again.stdout.splitlines()[1].endswith(f"lúc {morning}")
