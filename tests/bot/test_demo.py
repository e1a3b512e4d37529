"""`sogopy demo` as a person plays it: the demo ward, its leader and its case are set up
through the office layer, and the bot answers each role."""

import subprocess

from tests.bot.conftest import SOGOPY, clean_env

PLAY = "\n".join([":leader", "/chuaxem", ":done", ":quit"]) + "\n"


def test_the_demo_leader_reads_the_book_and_the_case_is_returned() -> None:
    played = subprocess.run(
        [SOGOPY, "demo"],
        input=PLAY,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert played.returncode == 0, played.stderr
    assert "Link trên phiếu hẹn của hồ sơ HS-DEMO-0001: /start c_" in played.stdout
    assert "[lãnh đạo] Bot:\nKhông có trang nào chưa xem. 👍" in played.stdout
    assert "(Hồ sơ HS-DEMO-0001 đã trả kết quả" in played.stdout
    assert played.stdout.rstrip().endswith("Tạm biệt!")
