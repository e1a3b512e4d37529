"""Commands, odd messages and language: short, kind answers, never a crash."""

from handlers.events import Kind
from storage.models import Ward
from tests.conftest import Chat


async def test_help_start_and_unknown_commands(chat: Chat) -> None:
    assert "/gopy" in (await chat.command("help")).replies[0].text
    assert "Xin chào" in (await chat.command("start")).replies[0].text
    assert "chưa hiểu lệnh" in (await chat.command("xyz")).replies[0].text


async def test_unsupported_messages_get_a_kind_answer(chat: Chat, ward: Ward) -> None:
    response = await chat.send(Kind.UNSUPPORTED)
    assert "chỉ đọc được tin nhắn chữ và ảnh" in response.replies[0].text
    await chat.command("start", "d_NGHIA-TAN")
    response = await chat.send(Kind.UNSUPPORTED)  # a sticker in the middle of the survey
    reminder, question = response.replies  # not "type in words": the question, again
    assert "chọn một trong các câu trả lời" in reminder.text and "Câu 1/3" in question.text


async def test_idle_text_without_any_ward_points_to_the_desk(chat: Chat) -> None:
    response = await chat.text("alo")
    assert "quét mã QR" in response.replies[0].text


async def test_language_switches_to_english_and_back(chat: Chat, ward: Ward) -> None:
    assert "English" in (await chat.command("ngonngu")).replies[0].text
    response = await chat.command("start", "d_NGHIA-TAN")
    assert "Hello" in response.replies[0].text
    assert [c.label for c in response.replies[1].choices][-2:] == [
        "Very satisfied",
        "No opinion yet",
    ]
    assert "tiếng Việt" in (await chat.command("language")).replies[0].text
    assert "Xin chào" in (await chat.command("start")).replies[0].text
