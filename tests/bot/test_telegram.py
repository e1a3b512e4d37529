"""What Telegram sends, turned into the handlers' events; what the bot sends, cut to fit."""

from typing import Any

from bot.emulator import parse_html
from bot.telegram import MAX_TEXT, html_pieces, keyboard, to_incoming
from handlers import markup
from handlers.events import Address, Choice, Kind, Reply

CITIZEN = {"id": 2001, "is_bot": False, "first_name": "An", "last_name": "Nguyễn"}
PRIVATE = {"id": 2001, "type": "private", "first_name": "An"}
BOT = {"id": 1, "is_bot": True, "first_name": "Sổ góp ý", "username": "sogopy_test_bot"}


def message_update(**fields: Any) -> dict[str, Any]:
    message = {"message_id": 7, "date": 1_790_000_000, "chat": PRIVATE, "from": CITIZEN}
    return {"update_id": 1, "message": {**message, **fields}}


def command_update(text: str) -> dict[str, Any]:
    length = len(text.split(" ", 1)[0])
    return message_update(
        text=text, entities=[{"type": "bot_command", "offset": 0, "length": length}]
    )


def test_a_private_text_becomes_a_text_event() -> None:
    event = to_incoming(message_update(text="Chỗ ngồi chờ quá nóng"))
    assert event is not None
    assert event.kind == Kind.TEXT
    assert event.address == Address("telegram", "2001")
    assert (event.text, event.message_id, event.user_name) == (
        "Chỗ ngồi chờ quá nóng",
        7,
        "An Nguyễn",
    )


def test_the_qr_code_start_becomes_a_command_with_its_payload() -> None:
    event = to_incoming(command_update("/start d_ABC"))
    assert event is not None
    assert (event.kind, event.command, event.text) == (Kind.COMMAND, "start", "d_ABC")


def test_a_command_addressed_to_the_bot_by_name_is_lower_cased() -> None:
    event = to_incoming(command_update("/Start@sogopy_test_bot x"))
    assert event is not None
    assert (event.kind, event.command, event.text) == (Kind.COMMAND, "start", "x")


def test_a_photo_keeps_its_caption_and_the_largest_size() -> None:
    sizes = [
        {"file_id": f"PHOTO-{side}", "file_unique_id": f"u{side}", "width": side, "height": side}
        for side in (90, 320, 1280)
    ]
    event = to_incoming(message_update(photo=sizes, caption="Vỉa hè bị lấn chiếm"))
    assert event is not None
    assert (event.kind, event.photo, event.text) == (
        Kind.PHOTO,
        "PHOTO-1280",
        "Vỉa hè bị lấn chiếm",
    )


def test_a_sticker_is_unsupported_but_still_answered() -> None:
    sticker = {
        "file_id": "STICKER",
        "file_unique_id": "s",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    event = to_incoming(message_update(sticker=sticker))
    assert event is not None
    assert event.kind == Kind.UNSUPPORTED
    assert event.address == Address("telegram", "2001")


def test_a_group_chat_message_is_ignored() -> None:
    group = {"id": -100123, "type": "supergroup", "title": "Tổ dân phố 5"}
    assert to_incoming(message_update(chat=group, text="/start d_ABC")) is None


def test_a_button_press_is_a_choice_on_the_pressed_message() -> None:
    pressed = {
        "message_id": 99,
        "date": 1_790_000_000,
        "chat": PRIVATE,
        "from": BOT,
        "text": "Câu 1/5",
    }
    query = {
        "id": "q1",
        "from": CITIZEN,
        "chat_instance": "ci",
        "data": "s:1:access:5",
        "message": pressed,
    }
    event = to_incoming({"update_id": 2, "callback_query": query})
    assert event is not None
    assert (event.kind, event.choice, event.message_id) == (Kind.CHOICE, "s:1:access:5", 99)
    assert event.address == Address("telegram", "2001")


def split_text(text: str) -> list[str]:
    return html_pieces(markup.parse(text))


def test_a_long_multi_line_message_is_cut_at_line_ends() -> None:
    text = "\n".join(f"Trang {n}: " + "góp ý " * (n % 40) for n in range(600))
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(0 < len(chunk) <= MAX_TEXT for chunk in chunks)
    assert all(chunk.endswith("\n") for chunk in chunks[:-1])  # cut at line ends
    assert "".join(chunks) == text


def test_blank_lines_survive_and_blank_messages_are_not_sent() -> None:
    text = "\n" + "a" * 4095 + "\n\n\nb"
    chunks = split_text(text)
    assert all(chunk.strip() for chunk in chunks)
    assert "".join(chunks) == text[1:]  # only the blank piece before the cut is left out
    assert split_text("\n\n") == ["\n\n"]  # Telegram trims it: the caller never sends one


def test_a_single_huge_line_is_cut_hard() -> None:
    line = "x" * 10_000
    chunks = split_text(line)
    assert [len(chunk) for chunk in chunks] == [4096, 4096, 1808]  # what is shown counts
    assert "".join(chunks) == line


def test_long_html_is_cut_into_pieces_each_valid_on_its_own() -> None:
    answer = "Trả lời &amp; giải thích <i>chi tiết</i> " * 400  # one huge line
    text = f"💬 <b>Phường Nghĩa Tân</b> trả lời:\n\n<blockquote>{answer}</blockquote>"
    chunks = split_text(text)
    assert len(chunks) > 1
    for chunk in chunks:
        shown, _ = parse_html(chunk)  # Telegram's rules: raises on a broken tag or entity
        assert len(shown) <= MAX_TEXT
    assert "".join(parse_html(chunk)[0] for chunk in chunks).count("&") == 400


def test_a_short_message_is_sent_whole() -> None:
    assert split_text("Cảm ơn Ông/Bà!") == ["Cảm ơn Ông/Bà!"]


def test_two_column_buttons_are_laid_out_in_rows_of_two() -> None:
    choices = tuple(Choice(f"Quầy {n}", f"desk:{n}") for n in range(1, 6))
    markup = keyboard(Reply("Chọn quầy", choices=choices, columns=2))
    assert markup is not None
    rows = [[button["callback_data"] for button in row] for row in markup["inline_keyboard"]]
    assert rows == [["desk:1", "desk:2"], ["desk:3", "desk:4"], ["desk:5"]]
    assert keyboard(Reply("Không có nút")) is None
