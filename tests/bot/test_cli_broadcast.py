"""`sogopy survey …` and `sogopy broadcast …` from the terminal: clear lines, right exits."""

from pathlib import Path

import pytest

from handlers.survey_library import PACKAGED
from tests.bot.conftest import sogopy, sogopy_process

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
    assert result.stderr.startswith(f"error: {bad}{expected}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.any_database
def test_survey_check_accepts_a_good_file_and_list_shows_refused_ones(
    bot_env: dict[str, str], tmp_path: Path
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD.replace("key: sipas", "key: thang12"), "utf-8")
    checked = sogopy_process(bot_env, "survey", "check", str(good))
    assert checked.returncode == 0 and checked.stdout == "ok: thang12 version 2, 5 questions\n"
    (tmp_path / "broken.yaml").write_text("key: [", "utf-8")
    listed = sogopy({**bot_env, "SOGOPY_SURVEY_DIR": str(tmp_path)}, "survey", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines[:2]] == ["sipas", "thang12"]
    assert lines[2].startswith(f"refused: {tmp_path / 'broken.yaml'}:1: not valid YAML")


def test_broadcast_commands_refuse_bad_input_with_one_line(bot_env: dict[str, str]) -> None:
    for args, message in (
        (("--survey", "nope"), "error: Không có khảo sát «nope»"),
        (("--survey", "sipas", "--ward", "KHONG-CO"), "error: Không có phường/xã mã 'KHONG-CO'"),
        (("--survey", "sipas", "--at", "mai"), "error: Giờ gửi «mai»: ghi dạng YYYY-MM-DD HH:MM"),
        (
            ("--survey", "sipas", "--at", "2020-01-01 08:00"),
            "error: Giờ gửi 2020-01-01 08:00 đã qua",
        ),
    ):
        result = sogopy(bot_env, "broadcast", "create", *args)
        assert result.returncode == 1 and result.stderr.startswith(message), result.stderr
    for command in ("status", "cancel"):
        result = sogopy(bot_env, "broadcast", command, "42")
        assert result.returncode == 1 and result.stderr == "error: Không có đợt gửi số 42\n"
    created = sogopy(bot_env, "broadcast", "create", "--survey", "sipas")
    assert created.returncode == 0
    assert (
        created.stdout.splitlines()[1] == "broadcast 1: survey sipas to 0 people (city-wide), now"
    )
    cancelled = sogopy(bot_env, "broadcast", "cancel", "1")
    assert cancelled.returncode == 0
    again = sogopy(bot_env, "broadcast", "cancel", "1")
    assert again.stderr == "error: Đợt gửi 1 không còn chạy: Đã huỷ\n"
