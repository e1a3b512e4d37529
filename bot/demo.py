"""`sogopy demo`: the real bot against the built-in Bot API emulator, played from a terminal.

No token and no network: a person types as a citizen (or a leader, or an admin),
sees the bot's messages as they arrive, and presses buttons by typing their number.
"""

import asyncio
import logging
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.app import serve
from bot.emulator import BotApiEmulator, EmuMessage, EmuUser
from bot.settings import Settings
from bot.zalo_emulator import ZaloEmulator, ZaloMessage, ZaloUser
from office.cases import mark_case_done, register_case
from office.leaders import add_leader
from office.wards import add_ward
from storage.db import create_engine, session_maker, upgrade

TOKEN = "100000:DEMO-TOKEN"
USERNAME = "sogopy_demo_bot"
WARD_CODE, WARD_NAME = "NGHIA-TAN", "Phường Nghĩa Tân"
CASE_CODE, PROCEDURE = "HS-DEMO-0001", "Đăng ký khai sinh"
LEADER_ID, LEADER_NAME = 2001, "Trần Thị Bình"  # already a leader of the demo ward
IDLE_WAIT = 3.0

HELP = f"""
Sổ góp ý — bản chạy thử (demo). Không cần token, không cần mạng.
Gõ chữ để nhắn tin cho bot; gõ một số để bấm nút có số đó.
  /start d_{WARD_CODE}     quét mã QR tại bàn một cửa (khảo sát tại chỗ)
  /start c_<mã>           mở link trên phiếu hẹn (khảo sát theo hồ sơ, in ở trên)
  /gopy, /gopycuatoi, /help, /ngonngu, /thoat   các lệnh của bot
  :done      đánh dấu hồ sơ {CASE_CODE} đã trả kết quả (bot sẽ hỏi ý kiến)
  :photo [chú thích]   gửi một ảnh     :sticker   gửi một sticker
  :citizen | :leader | :admin   đổi vai (công dân / lãnh đạo phường / quản trị)
  (lãnh đạo: /chuaxem, /so, /baocao; mỗi góp ý mới đến với nút «Đã xem» và «Trả lời»)
  (quản trị: /baocao cả thành phố, /guikhaosat gửi khảo sát tới người dân đã đồng ý)
  :help      xem lại hướng dẫn này    :quit   thoát (hoặc Ctrl-D)
"""


ZALO_TOKEN = "demo-zalo-token"
ZALO_HELP = """
Công dân đang dùng Zalo (không có nút): trả lời bằng số hoặc gõ câu trả lời.
  d_NGHIA-TAN     gửi mã này như tin nhắn đầu tiên (thay cho quét mã QR)
  :photo [chú thích]   gửi một ảnh     :sticker   gửi một sticker
"""


@dataclass
class Role:
    key: str
    label: str
    user: EmuUser | ZaloUser


def _show(role_of: Callable[[int], str], kind: str, message: EmuMessage) -> None:
    """Print a bot message the way a phone would show it; buttons numbered."""
    head = f"[{role_of(message.chat_id)}] Bot" + (" (sửa tin)" if kind == "edit" else "")
    body = message.content
    if message.photo:
        body = f"[ảnh] {body}"
    if message.document is not None:  # /dulieucuatoi's file
        body = f"[tệp {message.document[0]}, {len(message.document[1])} byte] {body}"
    print(f"\n{head}:\n{body}")
    for number, label in enumerate(message.button_labels, start=1):
        print(f"   {number}. {label}")
    sys.stdout.flush()


async def _prepare(settings: Settings) -> str:
    """The demo ward, its leader and a demo case; returns the case's link payload."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_maker(engine)() as session:
            await add_ward(session, WARD_CODE, WARD_NAME)
            await add_leader(
                session, WARD_CODE, platform="telegram", chat_id=str(LEADER_ID), name=LEADER_NAME
            )
            case, _ = await register_case(
                session, ward=WARD_CODE, code=CASE_CODE, procedure=PROCEDURE
            )
            return f"c_{case.token}"
    finally:
        await engine.dispose()


async def _mark_done(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with session_maker(engine)() as session:
            await mark_case_done(session, CASE_CODE)
    finally:
        await engine.dispose()


async def _read_line(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


def _show_zalo(message: ZaloMessage) -> None:
    print(f"\n[công dân · Zalo] Bot:\n{'[ảnh] ' if message.photo else ''}{message.text}")
    sys.stdout.flush()


async def _act(line: str, role: Role, settings: Settings) -> None:
    """One line typed by the person: a button number, a demo command, or a message."""
    user = role.user
    if line == ":done":
        await _mark_done(settings)
        print(f"(Hồ sơ {CASE_CODE} đã trả kết quả; bot sẽ nhắn công dân đã mở link.)")
    elif isinstance(user, ZaloUser):  # no buttons: numbers are typed as text
        if line.startswith(":photo"):
            caption = line.removeprefix(":photo").strip()
            await user.send_image("https://zalo.example/demo.jpg", caption)
        elif line == ":sticker":
            await user.send_sticker()
        else:
            await user.send_text(line)
    elif line.isdigit():
        with_buttons = [m for m in user.messages if m.button_labels]
        if not with_buttons:
            print("(Không có nút nào để bấm.)")
            return
        message = with_buttons[-1]
        labels = message.button_labels
        if not 1 <= int(line) <= len(labels):
            print(f"(Chọn một số từ 1 đến {len(labels)}.)")
            return
        flat = [data for row in message.buttons for _, data in row]
        await user.press_data(message.message_id, flat[int(line) - 1])
    elif line.startswith(":photo"):
        await user.send_photo(caption=line.removeprefix(":photo").strip() or None)
    elif line == ":sticker":
        await user.send_sticker()
    else:
        await user.send_text(line)


async def play(database_dir: Path | None = None, zalo: bool = False) -> None:
    """Run the demo until the person quits; the data lives in a temporary folder.

    With `zalo`, the citizen uses Zalo (a second emulator); leader and admin Telegram.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="sogopy-demo-") as temporary:
        folder = database_dir or Path(temporary)
        async with (
            BotApiEmulator(TOKEN, USERNAME) as emulator,
            ZaloEmulator(ZALO_TOKEN, f"Bot {WARD_NAME}") as zalo_emulator,
        ):
            people = [
                ("citizen", "công dân", 1001, "Nguyễn Văn An"),
                ("leader", "lãnh đạo", LEADER_ID, LEADER_NAME),
                ("admin", "quản trị", 3001, "Lê Văn Cường"),
            ]
            roles = {
                key: Role(key, label, emulator.user(user_id, first_name=name))
                for key, label, user_id, name in people
            }
            by_chat = {role.user.id: role.label for role in roles.values()}
            for role in roles.values():
                role.user.started = True  # as if each had opened the bot before
            admin_id = roles["admin"].user.id
            zalo_settings = {}
            if zalo:
                roles["citizen"] = Role("citizen", "công dân · Zalo", zalo_emulator.user("1001"))
                zalo_emulator.on_message(_show_zalo)
                zalo_settings = {
                    "ZALO_BOT_TOKEN": ZALO_TOKEN,
                    "ZALO_API_BASE_URL": zalo_emulator.base_url,
                }
            settings = Settings(
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_BOT_USERNAME=USERNAME,
                TELEGRAM_API_BASE_URL=emulator.base_url,
                DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'demo.db'}",
                SOGOPY_ADMINS=str(admin_id),
                SOGOPY_QUIET_HOURS="",  # the demo's broadcasts go out whatever the hour
                SOGOPY_HTTP_PORT=0,  # no HTTP app: the demo needs no port of the machine
                **zalo_settings,
            )
            case_payload = await _prepare(settings)
            emulator.on_bot_action(lambda kind, m: _show(lambda c: by_chat.get(c, "?"), kind, m))
            stop = asyncio.Event()
            bot = asyncio.create_task(serve(settings, stop))
            print(HELP + (ZALO_HELP if zalo else ""))
            print(f"Link trên phiếu hẹn của hồ sơ {CASE_CODE}: /start {case_payload}\n")
            role = roles["citizen"]
            try:
                while not bot.done():
                    line = await _read_line(f"\n({role.label}) > ")
                    if line is None or line.strip() in (":quit", ":q", ":thoat"):
                        break
                    line = line.strip()
                    if not line:
                        continue
                    if line == ":help":
                        print(HELP + (ZALO_HELP if zalo else ""))
                    elif line.lstrip(":") in roles:
                        role = roles[line.lstrip(":")]
                        print(f"(Bây giờ bạn là {role.label}.)")
                    else:
                        await _act(line, role, settings)
                        await emulator.wait_idle(timeout=IDLE_WAIT)
                        if zalo:
                            await zalo_emulator.wait_idle(timeout=IDLE_WAIT)
            finally:
                stop.set()
                await bot
            print("\nTạm biệt!")
