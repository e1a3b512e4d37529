"""Issue 11, points 12 and 14: the office's command line speaks Vietnamese, takes a ward by
its Vietnamese name, and keeps each ward's kind (phường, xã, thị trấn)."""

import re
import subprocess
from pathlib import Path

from tests.bot.conftest import sogopy

# English words the old output used; commands and options quoted in a line are left out
ENGLISH = re.compile(
    r"\b(added|ward|wards|people|pages|days|error|since|removed|valid|until|case|marked|"
    r"done|broadcast|survey|questions|version|key|revoked|wrote|nothing|already|yet|"
    r"leader|invite|deadline|answer|answered|sent|to|of|the)\b",
    re.IGNORECASE,
)
KHAI_SINH = ("--procedure", "Khai sinh")
QUOTED = re.compile(r"sogopy [a-z -]+|--[a-z-]+|https://\S+|\bd_\S+|\bl_\S+|/\S+")


def said(result: subprocess.CompletedProcess[str]) -> str:
    return QUOTED.sub("", result.stdout + result.stderr)


def test_wards_by_name_and_kind_in_vietnamese(bot_env: dict[str, str], tmp_path: Path) -> None:
    outputs = [sogopy(bot_env, "ward", "list")]
    added = sogopy(bot_env, "ward", "add", "Dịch Vọng", "Phường Dịch Vọng")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "Đã thêm phường DICH-VONG: Phường Dịch Vọng\n"
    xa = sogopy(bot_env, "ward", "add", "TAN-LAP", "Xã Tân Lập")
    assert xa.stdout == "Đã thêm xã TAN-LAP: Xã Tân Lập\n"
    town = sogopy(bot_env, "ward", "add", "PHUNG", "Phùng", "--kind", "thi tran")
    assert town.stdout == "Đã thêm thị trấn PHUNG: Phùng\n"
    bad_kind = sogopy(bot_env, "ward", "add", "X", "Quận X", "--kind", "quận")
    assert bad_kind.returncode == 1
    assert bad_kind.stderr == (
        "Lỗi: Loại đơn vị «quận» không có: chọn một trong phường, xã, thị trấn\n"
    )
    listed = sogopy(bot_env, "ward", "list")
    assert [line.split("\t")[:3] for line in listed.stdout.splitlines()] == [
        ["DICH-VONG", "Phường Dịch Vọng", "phường"],
        ["PHUNG", "Phùng", "thị trấn"],
        ["TAN-LAP", "Xã Tân Lập", "xã"],
    ]
    assert listed.stdout.splitlines()[0].endswith("\thạn trả lời 10 ngày\t0 trang")

    # a name for a code wherever a ward is asked for; a name two wards share is listed
    for name in ("Phường Dịch Vọng", "dich vong", "Dịch Vọng"):
        invite = sogopy(bot_env, "leader", "invite", name)
        assert invite.returncode == 0, invite.stderr
        outputs.append(invite)
    assert sogopy(bot_env, "ward", "add", "DICH-VONG-XA", "Xã Dịch Vọng").returncode == 0
    ambiguous = sogopy(bot_env, "leader", "invite", "Dịch Vọng")
    assert ambiguous.returncode == 1 and ambiguous.stdout == ""
    assert ambiguous.stderr == (
        "Lỗi: «Dịch Vọng» có thể là nhiều phường/xã: DICH-VONG (Phường Dịch Vọng), "
        "DICH-VONG-XA (Xã Dịch Vọng). Xin ghi rõ mã\n"
    )
    assert sogopy(bot_env, "leader", "invite", "Xã Dịch Vọng").returncode == 0

    outputs += [
        added,
        xa,
        bad_kind,
        listed,
        ambiguous,
        sogopy(bot_env, "ward", "set", "Tân Lập", "--deadline-days", "14"),
        sogopy(bot_env, "ward", "set", "Tân Lập"),
        sogopy(bot_env, "ward", "set", "TAN-LAP", "--deadline-days", "0"),
        sogopy(bot_env, "desk-link", "Tân Lập", "--desk", "2"),
        sogopy(
            bot_env,
            "case",
            "new",
            "--ward",
            "Xã Tân Lập",
            "--code",
            "HS-1",
            "--procedure",
            "Khai sinh",
        ),
        sogopy(
            bot_env,
            "case",
            "new",
            "--ward",
            "TAN-LAP",
            "--code",
            "HS-1",
            "--procedure",
            "Khai sinh",
        ),
        sogopy(bot_env, "case", "done", "HS-1"),
        sogopy(bot_env, "case", "done", "HS-1"),
        sogopy(bot_env, "case", "done", "HS-9"),
        sogopy(bot_env, "leader", "list"),
        sogopy(bot_env, "leader", "list", "--ward", "PHUNG"),
        sogopy(bot_env, "leader", "remove", "x"),
        sogopy(bot_env, "leader", "revoke-invite", "nope"),
        sogopy(bot_env, "survey", "list"),
        sogopy(bot_env, "broadcast", "create", "--survey", "sipas"),
        sogopy(bot_env, "broadcast", "status", "1"),
        sogopy(bot_env, "apikey", "create", "--ward", "Tân Lập", "--name", "một cửa"),
        sogopy(bot_env, "apikey", "create"),
        sogopy(bot_env, "apikey", "list"),
        sogopy(bot_env, "apikey", "revoke", "1"),
        sogopy(bot_env, "apikey", "revoke", "1"),
        sogopy(bot_env, "privacy", "erase", "--person", "không ai"),
        sogopy(bot_env, "privacy", "purge", "--dry-run"),
        sogopy(bot_env, "audit"),
        sogopy(bot_env, "export", "book", "--ward", "Tân Lập", "-o", str(tmp_path / "so.csv")),
        sogopy(bot_env, "export", "answers", "-o", str(tmp_path / "answers.xlsx")),
        sogopy(bot_env, "export", "answers", "--format", "pdf"),
        sogopy(bot_env, "report", "--format", "pdf"),
        sogopy(bot_env, "report", "--chart", str(tmp_path / "chart.jpg")),
        sogopy(bot_env, "report", "--ward", "Tân Lập", "--chart", str(tmp_path / "chart.png")),
        sogopy(bot_env, "ward", "remove", "Phùng"),
        sogopy(bot_env, "ward", "remove", "PHUNG"),
    ]
    for result in outputs:
        assert not ENGLISH.search(said(result)), (result.args, result.stdout, result.stderr)


def test_a_mistyped_command_is_one_vietnamese_line(bot_env: dict[str, str]) -> None:
    """Typer told a usage error in three English lines (usage, a hint, the error); the
    clerk now reads one line, with the help to look at, and exit status 2 as before."""
    for args, line in [
        (["ward", "add"], "Lỗi: thiếu đối số 'code' (xem: sogopy ward add --help)"),
        (["ward", "--bogus"], "Lỗi: không có tùy chọn --bogus (xem: sogopy ward --help)"),
        (["ward", "add", "A", "Phường A", "thừa"], "Lỗi: thừa thừa (xem: sogopy ward add --help)"),
        (["wards"], "Lỗi: không có lệnh «wards»; có phải «ward»? (xem: sogopy --help)"),
        (["xyz"], "Lỗi: không có lệnh «xyz» (xem: sogopy --help)"),
        (
            ["desk-link", "A", "--desk", "0"],
            "Lỗi: '--desk' không dùng được: nhỏ nhất là 1 (xem: sogopy desk-link --help)",
        ),
        (
            ["leader", "invite", "A", "--days", "bảy"],
            "Lỗi: '--days' không dùng được: cần một số nguyên (xem: sogopy leader invite --help)",
        ),
    ]:
        result = sogopy(bot_env, *args)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", line + "\n"), args
    group = sogopy(bot_env, "ward")  # a group without its command: its help, as before
    assert group.returncode == 2 and group.stderr.startswith("Usage: sogopy ward")
    assert sogopy(bot_env, "--help").returncode == 0
