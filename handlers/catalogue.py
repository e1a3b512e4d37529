"""Every sentence the bot says, in Vietnamese with English beside it.

Templates are Telegram-flavoured HTML. `say` escapes every value it puts into a
template, so text a person wrote is always shown literally; a value that is
already HTML (a fragment built from this catalogue) is marked with `Html`.
"""

import html
from typing import Final


class Html(str):
    """A fragment already in HTML, built from catalogue text: not escaped again."""

    __slots__ = ()


LANGUAGES: Final = ("vi", "en")

LEVELS: Final[dict[int, tuple[str, str]]] = {
    1: ("Rất không hài lòng", "Very dissatisfied"),
    2: ("Không hài lòng", "Dissatisfied"),
    3: ("Bình thường", "Neutral"),
    4: ("Hài lòng", "Satisfied"),
    5: ("Rất hài lòng", "Very satisfied"),
}

# The five SIPAS elements (stable codes; labels may change).
ELEMENTS: Final[dict[str, tuple[str, str]]] = {
    "access": ("Tiếp cận dịch vụ", "Access to the service"),
    "procedure": ("Thủ tục hành chính", "Administrative procedure"),
    "officer": ("Công chức giải quyết công việc", "The civil servant"),
    "result": ("Kết quả giải quyết", "The result"),
    "feedback": ("Tiếp nhận, xử lý góp ý", "Handling of feedback"),
}

STATUSES: Final[dict[str, tuple[str, str]]] = {
    "unread": ("chưa xem", "not read yet"),
    "seen": ("đã xem", "read"),
    "answered": ("đã trả lời", "answered"),
    "overdue": ("quá hạn", "overdue"),
}

TEXTS: Final[dict[str, tuple[str, str]]] = {
    "start": (
        "Xin chào! Đây là <b>Sổ góp ý</b> điện tử của phường.\n\n"
        "• Để đánh giá dịch vụ: quét mã QR tại Bộ phận một cửa, "
        "hoặc mở đường link in trên phiếu hẹn.\n"
        "• Gửi góp ý: /gopy\n"
        "• Xem góp ý đã gửi: /gopycuatoi\n"
        "• Hướng dẫn: /help",
        "Hello! This is the ward's digital <b>suggestion book</b>.\n\n"
        "• To rate the service: scan the QR code at the one-stop desk, "
        "or open the link printed on your receipt.\n"
        "• Write a suggestion: /gopy\n"
        "• See your suggestions: /gopycuatoi\n"
        "• Help: /help",
    ),
    "help": (
        "<b>Hướng dẫn</b>\n"
        "/gopy — viết góp ý gửi phường\n"
        "/gopycuatoi — xem góp ý đã gửi và tình trạng\n"
        "/thoat — dừng việc đang làm\n"
        "/ngonngu — English\n"
        "/help — hướng dẫn này\n\n"
        "Khi được hỏi, Ông/Bà chỉ cần bấm nút bên dưới câu hỏi.",
        "<b>Help</b>\n"
        "/gopy — write a suggestion to the ward\n"
        "/gopycuatoi — your suggestions and their status\n"
        "/thoat — stop what you are doing\n"
        "/ngonngu — Tiếng Việt\n"
        "/help — this help\n\n"
        "When asked a question, just tap a button below it.",
    ),
    "unknown_command": (
        "Xin lỗi, tôi chưa hiểu lệnh này. Gõ /help để xem các lệnh.",
        "Sorry, I don't know that command. Type /help to see the commands.",
    ),
    "unsupported": (
        "Xin lỗi, tôi chỉ đọc được tin nhắn chữ và ảnh. Xin Ông/Bà gõ bằng chữ.",
        "Sorry, I can only read text and photos. Please type your message.",
    ),
    "idle_text": (
        "Cảm ơn Ông/Bà đã nhắn tin. Để gửi góp ý, gõ /gopy; để xem hướng dẫn, gõ /help.",
        "Thank you for your message. To write a suggestion type /gopy; for help, /help.",
    ),
    "bad_link": (
        "Xin lỗi, đường link này không đúng hoặc không còn dùng được. "
        "Xin quét lại mã QR tại Bộ phận một cửa.",
        "Sorry, this link is not valid any more. Please scan the QR code at the desk again.",
    ),
    "bad_button": (
        "Nút này không còn dùng được.",
        "This button is no longer in use.",
    ),
    "already_answered": (
        "Câu này đã được trả lời rồi.",
        "This question was already answered.",
    ),
    "survey_over": (
        "Khảo sát này đã kết thúc. Xin cảm ơn!",
        "This survey is over. Thank you!",
    ),
    "recorded": ("Đã ghi nhận.", "Recorded."),
    "survey_intro_walkin": (
        "Xin chào! Cảm ơn Ông/Bà đã đến <b>{ward}</b>.\n"
        "Xin Ông/Bà dành một phút cho biết mức độ hài lòng về dịch vụ hôm nay: "
        "{count} câu hỏi, mỗi câu chỉ cần bấm một nút.",
        "Hello! Thank you for visiting <b>{ward}</b>.\n"
        "Please take a minute to tell us how satisfied you were today: "
        "{count} questions, one tap each.",
    ),
    "survey_intro_case": (
        "Xin chào! Hồ sơ <b>{code}</b> ({procedure}) tại <b>{ward}</b> đã có kết quả.\n"
        "Xin Ông/Bà cho biết mức độ hài lòng: {count} câu hỏi, mỗi câu chỉ cần bấm một nút.",
        "Hello! Your case <b>{code}</b> ({procedure}) at <b>{ward}</b> has been completed.\n"
        "Please tell us how satisfied you are: {count} questions, one tap each.",
    ),
    "question": ("<b>Câu {number}/{count}.</b> {text}", "<b>Question {number}/{count}.</b> {text}"),
    "answered_line": (
        "✅ Câu {number} — {element}: <b>{level}</b>",
        "✅ Q{number} — {element}: <b>{level}</b>",
    ),
    "press_a_button": (
        "Xin Ông/Bà bấm một trong các nút bên dưới câu hỏi.",
        "Please tap one of the buttons below the question.",
    ),
    "ask_suggestion": (
        "Cảm ơn Ông/Bà đã trả lời khảo sát!\n\n"
        "Ông/Bà có góp ý gì để phường phục vụ tốt hơn không? "
        "Xin gõ góp ý vào ô tin nhắn (có thể gửi kèm ảnh), hoặc bấm «Bỏ qua».",
        "Thank you for answering!\n\n"
        "Do you have a suggestion to help the ward serve you better? "
        "Type it below (you may attach a photo), or tap «Skip».",
    ),
    "ask_suggestion_free": (
        "Xin Ông/Bà gõ góp ý gửi <b>{ward}</b> vào ô tin nhắn (có thể gửi kèm ảnh).\n"
        "Gõ /thoat nếu muốn dừng.",
        "Please type your suggestion to <b>{ward}</b> below (you may attach a photo).\n"
        "Type /thoat to stop.",
    ),
    "choose_ward": (
        "Ông/Bà muốn gửi góp ý cho phường nào?",
        "Which ward is your suggestion for?",
    ),
    "choose_book": ("Xem sổ góp ý của phường nào?", "Which ward's book?"),
    "no_ward_known": (
        "Xin Ông/Bà quét mã QR tại Bộ phận một cửa của phường để bắt đầu.",
        "Please scan the QR code at your ward's one-stop desk to begin.",
    ),
    "btn_skip": ("Bỏ qua", "Skip"),
    "skipped": (
        "Cảm ơn Ông/Bà đã dành thời gian. Chúc Ông/Bà một ngày tốt lành!",
        "Thank you for your time. Have a good day!",
    ),
    "empty_suggestion": (
        "Góp ý còn trống. Xin gõ vài chữ, hoặc gõ /thoat để dừng.",
        "The suggestion is empty. Please type a few words, or /thoat to stop.",
    ),
    "ask_sign": (
        "Ông/Bà muốn gửi góp ý này <b>kèm tên</b> hay <b>ẩn danh</b>?\n\n"
        "<blockquote>{preview}</blockquote>\n"
        "• Kèm tên: lãnh đạo phường thấy tên «{name}».\n"
        "• Ẩn danh: lãnh đạo phường không biết ai viết; "
        "Ông/Bà vẫn nhận được trả lời tại đây.",
        "Send this suggestion <b>with your name</b> or <b>anonymously</b>?\n\n"
        "<blockquote>{preview}</blockquote>\n"
        "• With your name: the ward's leaders see «{name}».\n"
        "• Anonymous: the leaders do not learn who wrote it; you still get their answer here.",
    ),
    "btn_sign": ("Gửi kèm tên", "With my name"),
    "btn_anonymous": ("Gửi ẩn danh", "Anonymously"),
    "photo_only": ("(ảnh, không có chữ)", "(photo, no text)"),
    "filed": (
        "✅ Góp ý của Ông/Bà đã ghi vào sổ góp ý, trang số {page} — {ward}.\n"
        "Lãnh đạo phường sẽ đọc và ký «Đã xem»; Ông/Bà sẽ được báo lại tại đây.",
        "✅ Your suggestion is recorded in the suggestion book, page {page} — {ward}.\n"
        "The ward's leaders will read and sign it; you will hear back here.",
    ),
    "chose_sign": (
        "<blockquote>{preview}</blockquote>\nGửi kèm tên «{name}».",
        "<blockquote>{preview}</blockquote>\nSent with the name «{name}».",
    ),
    "chose_anonymous": (
        "<blockquote>{preview}</blockquote>\nGửi ẩn danh.",
        "<blockquote>{preview}</blockquote>\nSent anonymously.",
    ),
    "case_linked": (
        "Xin chào! Hồ sơ <b>{code}</b> ({procedure}) của Ông/Bà đã được ghi nhận "
        "tại <b>{ward}</b>.\n"
        "Khi có kết quả, chúng tôi sẽ nhắn Ông/Bà tại đây để xin ý kiến đánh giá. Xin cảm ơn!",
        "Hello! Your case <b>{code}</b> ({procedure}) is registered at <b>{ward}</b>.\n"
        "When it is completed we will message you here to ask how it went. Thank you!",
    ),
    "case_taken": (
        "Hồ sơ này đã được liên kết với một người khác. "
        "Nếu Ông/Bà là người nộp hồ sơ, xin liên hệ Bộ phận một cửa.",
        "This case is already linked to someone else. "
        "If you filed it, please ask at the one-stop desk.",
    ),
    "case_answered": (
        "Ông/Bà đã đánh giá hồ sơ <b>{code}</b>. Xin cảm ơn! Mỗi hồ sơ chỉ đánh giá một lần.",
        "You have already rated case <b>{code}</b>. Thank you! Each case is rated once.",
    ),
    "walkin_done_today": (
        "Hôm nay Ông/Bà đã đánh giá <b>{ward}</b>. Xin cảm ơn! "
        "Mỗi người đánh giá một lần mỗi ngày.\n"
        "Ông/Bà vẫn có thể gửi góp ý: /gopy",
        "You already rated <b>{ward}</b> today. Thank you! One rating per person per day.\n"
        "You can still write a suggestion: /gopy",
    ),
    "my_pages_empty": ("Ông/Bà chưa gửi góp ý nào.", "You have not written any suggestion yet."),
    "my_pages_title": ("<b>Góp ý của Ông/Bà</b>", "<b>Your suggestions</b>"),
    "my_page_line": (
        "• Trang {page} — {ward} — {date}: <b>{status}</b>\n  «{preview}»",
        "• Page {page} — {ward} — {date}: <b>{status}</b>\n  «{preview}»",
    ),
    "leader_welcome": (
        "Xin chào {name}! Ông/Bà đã là lãnh đạo của <b>{ward}</b> trên Sổ góp ý.\n\n"
        "Mỗi góp ý mới của công dân sẽ được gửi tới đây. Bấm «Đã xem» để ký đã đọc "
        "(tên và thời gian được ghi lại như chữ ký trên sổ), «Trả lời» để trả lời công dân.\n"
        "/chuaxem — các trang chưa xem\n"
        "/so — đọc sổ góp ý\n"
        "/help — hướng dẫn",
        "Hello {name}! You are now a leader of <b>{ward}</b> in the suggestion book.\n\n"
        "Every new suggestion from citizens comes here. Tap «Đã xem» to sign it as read "
        "(your name and the time are recorded), «Trả lời» to answer the citizen.\n"
        "/chuaxem — pages not read yet\n"
        "/so — read the book\n"
        "/help — help",
    ),
    "invite_bad": (
        "Link mời này không còn dùng được (đã dùng, hết hạn hoặc đã bị thu hồi). "
        "Xin liên hệ văn phòng để nhận link mới.",
        "This invitation link can no longer be used (used, expired or revoked). "
        "Please ask the office for a new one.",
    ),
    "already_leader": (
        "Ông/Bà đã là lãnh đạo của <b>{ward}</b>.",
        "You are already a leader of <b>{ward}</b>.",
    ),
    "notice": (
        "📖 <b>Sổ góp ý — {ward} — Trang {page}</b>\n🕒 {time}\n{case}👤 {author}\n\n"
        "<blockquote>{text}</blockquote>",
        "📖 <b>Suggestion book — {ward} — Page {page}</b>\n🕒 {time}\n{case}👤 {author}\n\n"
        "<blockquote>{text}</blockquote>",
    ),
    "notice_case": ("📁 Hồ sơ {code} — {procedure}\n", "📁 Case {code} — {procedure}\n"),
    "notice_seen": (
        "✅ <b>Đã xem</b> — {name} — {time}",
        "✅ <b>Đã xem</b> (read) — {name} — {time}",
    ),
    "notice_answered": (
        "💬 <b>Đã trả lời</b> — {name} — {time}\n<blockquote>{answer}</blockquote>",
        "💬 <b>Answered</b> — {name} — {time}\n<blockquote>{answer}</blockquote>",
    ),
    "anonymous": ("Ẩn danh", "Anonymous"),
    "btn_seen": ("✅ Đã xem", "✅ Đã xem (read)"),
    "btn_answer": ("✍️ Trả lời", "✍️ Answer"),
    "btn_previous": ("◀ Trang trước", "◀ Previous"),
    "btn_next": ("Trang sau ▶", "Next ▶"),
    "not_allowed": (
        "Ông/Bà không phải lãnh đạo của phường có trang này.",
        "You are not a leader of this page's ward.",
    ),
    "signed_notice": ("Đã ký «Đã xem».", "Signed as read."),
    "citizen_seen": (
        "📖 Lãnh đạo {ward} đã đọc góp ý của Ông/Bà (trang số {page}). Xin cảm ơn!",
        "📖 A leader of {ward} has read your suggestion (page {page}). Thank you!",
    ),
    "citizen_answer": (
        "💬 <b>{ward}</b> trả lời góp ý của Ông/Bà (trang số {page}):\n\n{answer}",
        "💬 <b>{ward}</b> answers your suggestion (page {page}):\n\n{answer}",
    ),
    "ask_answer": (
        "Xin gõ câu trả lời cho trang số {page} ({ward}); có thể gửi kèm ảnh làm bằng chứng.\n"
        "Công dân sẽ nhận được nguyên văn. Gõ /thoat để hủy.",
        "Please type the answer to page {page} ({ward}); you may attach a photo as evidence.\n"
        "The citizen receives it word for word. Type /thoat to cancel.",
    ),
    "already_answered_page": (
        "Trang này đã được trả lời.",
        "This page has been answered already.",
    ),
    "answer_sent": (
        "✅ Đã gửi trả lời tới công dân (trang số {page}).",
        "✅ Your answer was sent to the citizen (page {page}).",
    ),
    "answer_empty": (
        "Câu trả lời còn trống. Xin gõ vài chữ (có thể kèm ảnh), hoặc /thoat để hủy.",
        "The answer is empty. Please type a few words (a photo may go with it), or /thoat.",
    ),
    "unread_none": ("Không có trang nào chưa xem. 👍", "No page is waiting to be read. 👍"),
    "unread_title": (
        "Có {count} trang chưa xem, cũ nhất trước:",
        "{count} pages not read yet, oldest first:",
    ),
    "book_empty": ("Sổ góp ý của {ward} chưa có trang nào.", "{ward}'s book has no page yet."),
    "not_a_leader": (
        "Lệnh này dành cho lãnh đạo phường.",
        "This command is for ward leaders.",
    ),
    "no_reachable_leader": (
        "⚠️ Không lãnh đạo nào của <b>{ward}</b> nhận được tin của bot "
        "(chưa có, hoặc đã chặn bot): trang số {page} của sổ góp ý chưa có ai đọc. "
        "Xin mời lãnh đạo phường bằng «sogopy leader invite».",
        "⚠️ No leader of <b>{ward}</b> can receive the bot's messages "
        "(none yet, or they blocked it): page {page} of the book has no reader. "
        "Please invite one with «sogopy leader invite».",
    ),
    "reminder": (
        "⏰ <b>{ward}</b>: {count} trang chưa xem đã quá {hours} giờ — trang {pages}.\n"
        "Gõ /chuaxem để đọc và ký «Đã xem».",
        "⏰ <b>{ward}</b>: {count} pages unread for more than {hours} hours — pages {pages}.\n"
        "Type /chuaxem to read and sign them.",
    ),
    "escalation": (
        "⚠️ <b>Quá hạn</b> — {ward}, trang số {page}: chưa được trả lời sau {days} ngày "
        "(hạn của phường).\n<blockquote>{preview}</blockquote>",
        "⚠️ <b>Overdue</b> — {ward}, page {page}: not answered after {days} days "
        "(the ward's deadline).\n<blockquote>{preview}</blockquote>",
    ),
    "digest": (
        "☀️ <b>Bản tin sáng {date} — {ward}</b>\n"
        "• Góp ý mới hôm qua: {new}\n"
        "• Chưa xem: {unread}\n"
        "• Quá hạn: {overdue}\n"
        "• Hài lòng hôm qua: {share}",
        "☀️ <b>Morning digest {date} — {ward}</b>\n"
        "• New suggestions yesterday: {new}\n"
        "• Not read yet: {unread}\n"
        "• Overdue: {overdue}\n"
        "• Satisfied yesterday: {share}",
    ),
    "digest_share": ("{percent}% ({count} câu trả lời)", "{percent}% ({count} answers)"),
    "digest_no_answers": ("chưa có đánh giá", "no ratings"),
    "figures_title": (
        "📊 <b>Mức độ hài lòng — {scope}</b>\n{since} – {until}",
        "📊 <b>Satisfaction — {scope}</b>\n{since} – {until}",
    ),
    "figures_city": ("toàn thành phố", "the whole city"),
    "figures_overall": ("Chung: {figure}", "Overall: {figure}"),
    "figures_line": ("• {label}: {figure}", "• {label}: {figure}"),
    "figures_value": ("<b>{percent}%</b> ({count} câu)", "<b>{percent}%</b> ({count} answers)"),
    "figures_none": ("chưa có", "none yet"),
    "figures_too_few": (
        "{percent}% ({count} câu, ít dữ liệu)",
        "{percent}% ({count} answers, too few)",
    ),
    "figures_rate": (
        "Tỉ lệ phản hồi: {rate} ({answered}/{done} hồ sơ); tại quầy: {walkins} câu trả lời",
        "Response rate: {rate} ({answered}/{done} cases); at the desk: {walkins} answers",
    ),
    "figures_trend": ("Theo tuần: {weeks}", "Week by week: {weeks}"),
    "figures_lowest": ("Thủ tục điểm thấp nhất:", "Procedures with the lowest scores:"),
    "figures_pages": (
        "Góp ý trong kỳ: {count} (chưa xem {unread}, đã xem {seen}, đã trả lời {answered}, "
        "quá hạn {overdue})",
        "Suggestions in the period: {count} ({unread} unread, {seen} read, {answered} answered, "
        "{overdue} overdue)",
    ),
    "figures_ranking": ("Xếp hạng các phường:", "Wards ranked:"),
    "figures_not_allowed": (
        "Báo cáo dành cho lãnh đạo phường và văn phòng.",
        "Reports are for ward leaders and the office.",
    ),
    "figures_period": ("Xem kỳ khác:", "Another period:"),
    "btn_days": ("{days} ngày", "{days} days"),
    "stopped": ("Đã dừng. Khi cần, gõ /help.", "Stopped. Type /help whenever you need."),
    "nothing_to_stop": ("Không có việc gì đang làm dở.", "There is nothing in progress."),
    "language_set": ("Đã chuyển sang tiếng Việt.", "Switched to English."),
    "error": (
        "Xin lỗi, đã có trục trặc. Xin Ông/Bà thử lại sau ít phút.",
        "Sorry, something went wrong. Please try again in a few minutes.",
    ),
}


def _index(language: str) -> int:
    return 1 if language == "en" else 0


def say(language: str, key: str, **values: object) -> str:
    """The sentence `key` in `language`, with every value escaped unless it is `Html`."""
    template = TEXTS[key][_index(language)]
    escaped = {
        name: value if isinstance(value, Html) else html.escape(str(value), quote=False)
        for name, value in values.items()
    }
    return template.format(**escaped)


def shorten(text: str, limit: int) -> str:
    """Text cut to `limit` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def level_label(language: str, level: int) -> str:
    return LEVELS[level][_index(language)]


def element_label(language: str, element: str) -> str:
    return ELEMENTS[element][_index(language)]


def status_label(language: str, status: str) -> str:
    return STATUSES[status][_index(language)]


def localized(language: str, text: dict[str, str]) -> str:
    """Pick a survey file's text in `language`, falling back to Vietnamese."""
    return text.get(language) or text["vi"]
