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
DEFAULT_KIND: Final = "phường"  # what a citizen reads before any ward is known (issue 11)

LEVELS: Final[dict[int, tuple[str, str]]] = {
    1: ("Rất không hài lòng", "Very dissatisfied"),
    2: ("Không hài lòng", "Dissatisfied"),
    3: ("Bình thường", "Neutral"),
    4: ("Hài lòng", "Satisfied"),
    5: ("Rất hài lòng", "Very satisfied"),
}
# offered after the five levels on every rating question; stored as NO_OPINION, not a level
NO_OPINION_LABEL: Final = ("Chưa có ý kiến", "No opinion yet")

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
    "closed": ("không cần trả lời", "no answer needed"),  # issue 11: closed by a leader
}

TEXTS: Final[dict[str, tuple[str, str]]] = {
    "start": (
        "Xin chào! Đây là <b>Sổ góp ý</b> điện tử của {kind}.\n\n"
        "• Để đánh giá dịch vụ: quét mã QR tại Bộ phận một cửa. "
        "Xin gõ số in trên phiếu hẹn hoặc bên mã QR (6 chữ số, ví dụ 123456) "
        "nếu không quét được.\n"
        "• Gửi góp ý: /gopy\n"
        "• Xem góp ý đã gửi: /gopycuatoi\n"
        "• Hướng dẫn: /help",
        "Hello! This is the ward's digital <b>suggestion book</b>.\n\n"
        "• To rate the service: scan the QR code at the one-stop desk. "
        "Please type the number printed on your receipt or beside the QR code "
        "(6 digits, e.g. 123456) if you cannot scan it.\n"
        "• Write a suggestion: /gopy\n"
        "• See your suggestions: /gopycuatoi\n"
        "• Help: /help",
    ),
    "help": (
        "<b>Hướng dẫn</b>\n"
        "/gopy — viết góp ý gửi {kind}\n"
        "/gopycuatoi — xem góp ý đã gửi và tình trạng\n"
        "/thoat — dừng việc đang làm\n"
        "/huy — ngừng nhận khảo sát từ {kind}\n"
        "/nhan — nhận lại khảo sát\n"
        "/ngonngu — English\n"
        "/dulieucuatoi — xem dữ liệu của mình\n"
        "/xoadulieu — xoá dữ liệu của mình\n"
        "/angdanh — ẩn tên trên các góp ý đã ký\n"
        "/quyenriengtu — quyền riêng tư\n"
        "/help — hướng dẫn này\n\n"
        "Khi được hỏi, Ông/Bà chỉ cần bấm nút bên dưới câu hỏi.",
        "<b>Help</b>\n"
        "/gopy — write a suggestion to the ward\n"
        "/gopycuatoi — your suggestions and their status\n"
        "/thoat — stop what you are doing\n"
        "/huy — stop receiving the ward's surveys\n"
        "/nhan — receive them again\n"
        "/ngonngu — Tiếng Việt\n"
        "/dulieucuatoi — see your data\n"
        "/xoadulieu — erase your data\n"
        "/angdanh — hide your name on signed suggestions\n"
        "/quyenriengtu — privacy\n"
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
    # ---- six-digit codes typed instead of a link (issue 11, point 7) ----
    "code_unknown": (
        "Xin lỗi, không tìm thấy mã số {code}. Xin Ông/Bà xem lại số in trên phiếu hẹn "
        "hoặc trên mã QR tại quầy (6 chữ số) và gõ lại.",
        "Sorry, there is no code {code}. Please check the number printed on your receipt "
        "or beside the desk's QR code (6 digits) and type it again.",
    ),
    "code_wait": (
        "Ông/Bà đã gõ sai mã số nhiều lần. Xin đợi khoảng {minutes} phút rồi gõ lại, "
        "hoặc hỏi cán bộ tại Bộ phận một cửa.",
        "That code was wrong several times. Please wait about {minutes} minutes and try "
        "again, or ask at the one-stop desk.",
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
        "{count} câu hỏi, mỗi câu chỉ cần chọn một mức.",
        "Hello! Thank you for visiting <b>{ward}</b>.\n"
        "Please take a minute to tell us how satisfied you were today: "
        "{count} questions, one choice each.",
    ),
    "survey_intro_case": (
        "Xin chào! Hồ sơ <b>{code}</b> ({procedure}) tại <b>{ward}</b> đã có kết quả.\n"
        "Xin Ông/Bà cho biết mức độ hài lòng: {count} câu hỏi, mỗi câu chỉ cần chọn một mức.",
        "Hello! Your case <b>{code}</b> ({procedure}) at <b>{ward}</b> has been completed.\n"
        "Please tell us how satisfied you are: {count} questions, one choice each.",
    ),
    "question": ("<b>Câu {number}/{count}.</b> {text}", "<b>Question {number}/{count}.</b> {text}"),
    "answered_line": (
        "✅ Câu {number} — {element}: <b>{level}</b>",
        "✅ Q{number} — {element}: <b>{level}</b>",
    ),
    "press_a_button": (
        "Xin Ông/Bà chọn một trong các câu trả lời của câu hỏi dưới đây.",
        "Please choose one of the answers to the question below.",
    ),
    # ---- nothing typed is lost (issue 11): what a person types mid-survey is kept ----
    "text_kept": (
        "Đã giữ tin nhắn của Ông/Bà làm góp ý: cuối khảo sát, Ông/Bà chọn gửi hay không. "
        "Xin chọn một câu trả lời cho câu hỏi dưới đây.",
        "Your message is kept as a suggestion: at the end of the survey you choose whether "
        "to send it. Please choose an answer to the question below.",
    ),
    "offer_draft": (
        "Cảm ơn Ông/Bà đã trả lời khảo sát!\n\n"
        "Góp ý Ông/Bà đã viết trong lúc trả lời:\n<blockquote>{preview}</blockquote>\n"
        "Ông/Bà muốn gửi như vậy, viết thêm, hay không gửi?",
        "Thank you for answering!\n\n"
        "The suggestion you wrote while answering:\n<blockquote>{preview}</blockquote>\n"
        "Send it as it is, add more, or not send it?",
    ),
    "btn_send_draft": ("Gửi như vậy", "Send as it is"),
    "btn_write_more": ("Viết thêm", "Add more"),
    "btn_not_send": ("Không gửi", "Don't send"),
    "write_more": (
        "Xin gõ thêm vào ô tin nhắn (có thể gửi kèm ảnh); phần đã viết vẫn được giữ.",
        "Please type more below (you may attach a photo); what you wrote is kept.",
    ),
    "ask_suggestion": (
        "Cảm ơn Ông/Bà đã trả lời khảo sát!\n\n"
        "Ông/Bà có góp ý gì để {kind} phục vụ tốt hơn không? "
        "Xin gõ góp ý vào ô tin nhắn (có thể gửi kèm ảnh), hoặc chọn «Bỏ qua».",
        "Thank you for answering!\n\n"
        "Do you have a suggestion to help the ward serve you better? "
        "Type it below (you may attach a photo), or choose «Skip».",
    ),
    "ask_suggestion_free": (
        "Xin Ông/Bà gõ góp ý gửi <b>{ward}</b> vào ô tin nhắn (có thể gửi kèm ảnh).\n"
        "Gõ /thoat nếu muốn dừng.",
        "Please type your suggestion to <b>{ward}</b> below (you may attach a photo).\n"
        "Type /thoat to stop.",
    ),
    "choose_ward": (
        "Ông/Bà muốn gửi góp ý cho phường, xã nào?",
        "Which ward is your suggestion for?",
    ),
    "choose_book": ("Xem sổ góp ý của phường nào?", "Which ward's book?"),
    "no_ward_known": (
        "Xin Ông/Bà quét mã QR tại Bộ phận một cửa của phường, xã, "
        "hoặc gõ số in trên phiếu hẹn (6 chữ số), để bắt đầu.",
        "Please scan the QR code at your ward's one-stop desk, or type the number printed "
        "on your receipt (6 digits), to begin.",
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
        "• Kèm tên: lãnh đạo {kind} thấy tên «{name}».\n"
        "• Ẩn danh: lãnh đạo {kind} không biết ai viết; "
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
        "Lãnh đạo {kind} sẽ đọc và ký «Đã xem»; Ông/Bà sẽ được báo lại tại đây.",
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
    # ---- nothing typed is lost (issue 11): a message outside any flow, offered as one ----
    "offer_text": (
        "Ông/Bà muốn gửi tin nhắn này làm góp ý cho <b>{ward}</b>?\n\n"
        "<blockquote>{preview}</blockquote>\n"
        "• Kèm tên: lãnh đạo phường thấy tên «{name}».\n"
        "• Ẩn danh: lãnh đạo phường không biết ai viết; "
        "Ông/Bà vẫn nhận được trả lời tại đây.",
        "Send this message as a suggestion to <b>{ward}</b>?\n\n"
        "<blockquote>{preview}</blockquote>\n"
        "• With your name: the ward's leaders see «{name}».\n"
        "• Anonymous: the leaders do not learn who wrote it; you still get their answer here.",
    ),
    "offer_choose_ward": (
        "Ông/Bà muốn gửi tin nhắn này làm góp ý cho phường nào?",
        "Which ward should this message go to, as a suggestion?",
    ),
    "not_sent": (
        "Đã bỏ, không gửi. Khi cần góp ý, Ông/Bà cứ nhắn tại đây.",
        "Dropped, nothing was sent. Write here whenever you have a suggestion.",
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
        "📖 Lãnh đạo {ward} đã đọc góp ý của Ông/Bà (trang số {page}). Xin cảm ơn!\n"
        "✅ Đã xem — {name} — {time}",
        "📖 A leader of {ward} has read your suggestion (page {page}). Thank you!\n"
        "✅ Đã xem (read) — {name} — {time}",
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
        "Lệnh này dành cho lãnh đạo phường, xã.",
        "This command is for ward leaders.",
    ),
    # ---- issue 11 (leaders): signature, answer preview, no answer needed, unread, menus ----
    "leader_ask_name": (
        "Để ký «Đã xem» trên sổ, xin gõ họ tên đầy đủ của Ông/Bà (ví dụ: Nguyễn Văn A).",
        "To sign pages as read, please type your full official name (e.g. Nguyễn Văn A).",
    ),
    "leader_ask_title": (
        "Xin gõ chức vụ của Ông/Bà (ví dụ: Chủ tịch UBND phường).",
        "Please type your title (e.g. Chủ tịch UBND phường).",
    ),
    "leader_signature_set": (
        "Cảm ơn. Chữ ký của Ông/Bà trên sổ: «Đã xem — {signature}».",
        "Thank you. Your signature in the book: «Đã xem — {signature}».",
    ),
    "notice_no_answer": (
        "🙏 <b>Không cần trả lời</b> — {name} — {time}",
        "🙏 <b>No answer needed</b> — {name} — {time}",
    ),
    "btn_no_answer": ("🙏 Không cần trả lời", "🙏 No answer needed"),
    "btn_photo": ("📷 Xem ảnh", "📷 Photo"),
    "page_photo": ("📷 Ảnh của trang số {page}", "📷 The photo of page {page}"),
    "no_answer_notice": ("Đã đóng trang: không cần trả lời.", "Page closed: no answer needed."),
    "citizen_thanked": (
        "🙏 Lãnh đạo {ward} đã đọc và ghi nhận góp ý của Ông/Bà (trang số {page}). "
        "Xin chân thành cảm ơn!\n✅ Đã xem — {name} — {time}",
        "🙏 A leader of {ward} has read and noted your suggestion (page {page}). "
        "Thank you very much!\n✅ Đã xem (read) — {name} — {time}",
    ),
    "answer_preview": (
        "👁 Xem trước câu trả lời cho trang số {page}: công dân sẽ nhận đúng như dưới đây. "
        "Chưa gửi gì cho tới khi Ông/Bà bấm «Gửi».",
        "👁 Preview of the answer to page {page}: the citizen will get exactly what follows. "
        "Nothing is sent until you tap «Gửi» (send).",
    ),
    "btn_answer_send": ("📨 Gửi", "📨 Gửi (send)"),
    "btn_answer_edit": ("✏️ Sửa lại", "✏️ Sửa lại (edit)"),
    "btn_answer_cancel": ("✖️ Huỷ", "✖️ Huỷ (cancel)"),
    "answer_cancelled": (
        "Đã huỷ: câu trả lời không được gửi.",
        "Cancelled: the answer was not sent.",
    ),
    "unread_more": (
        "Còn {count} trang chưa xem nữa.",
        "{count} more pages not read yet.",
    ),
    "btn_more": ("Xem tiếp ▶", "Xem tiếp ▶ (more)"),
    "help_leader": (
        "<b>Lãnh đạo phường</b>\n"
        "/chuaxem — các trang chưa xem\n"
        "/so — đọc sổ góp ý\n"
        "/baocao — số liệu hài lòng\n"
        "/web — đăng nhập trang quản lý trên máy tính",
        "<b>Ward leaders</b>\n"
        "/chuaxem — pages not read yet\n"
        "/so — read the book\n"
        "/baocao — satisfaction figures\n"
        "/web — log in to the web console",
    ),
    "help_admin": (
        "<b>Quản trị</b>\n/baocao — số liệu hài lòng\n/guikhaosat — gửi khảo sát tới công dân\n"
        "/web — đăng nhập trang quản lý trên máy tính",
        "<b>Admins</b>\n/baocao — satisfaction figures\n/guikhaosat — send a survey to citizens\n"
        "/web — log in to the web console",
    ),
    "menu_gopy": ("Viết góp ý gửi phường", "Write a suggestion"),
    "menu_gopycuatoi": ("Xem góp ý đã gửi", "Your suggestions"),
    "menu_thoat": ("Dừng việc đang làm", "Stop what is in progress"),
    "menu_ngonngu": ("English / Tiếng Việt", "Tiếng Việt / English"),
    "menu_dulieucuatoi": ("Xem dữ liệu của tôi", "See my data"),
    "menu_xoadulieu": ("Xoá dữ liệu của tôi", "Erase my data"),
    "menu_quyenriengtu": ("Quyền riêng tư", "Privacy"),
    "menu_help": ("Hướng dẫn", "Help"),
    "menu_chuaxem": ("Các trang chưa xem", "Pages not read yet"),
    "menu_so": ("Đọc sổ góp ý", "Read the book"),
    "menu_baocao": ("Số liệu hài lòng", "Satisfaction figures"),
    "menu_guikhaosat": ("Gửi khảo sát tới công dân", "Send a survey to citizens"),
    "menu_web": ("Đăng nhập trang quản lý", "Log in to the web console"),
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
    "figures_previous": (" · kỳ trước {percent}%", " · previous period {percent}%"),
    "figures_too_few": (
        "{percent}% ({count} câu, ít dữ liệu)",
        "{percent}% ({count} answers, too few)",
    ),
    "figures_rate": (
        "Tỉ lệ phản hồi: {rate} ({answered}/{done} hồ sơ); tại quầy: {walkins} câu trả lời",
        "Response rate: {rate} ({answered}/{done} cases); at the desk: {walkins} answers",
    ),
    "figures_broadcasts": (
        "Khảo sát gửi đi: {count} đợt; {answered}/{reached} người nhận đã trả lời ({rate})",
        "Broadcast surveys: {count}; {answered}/{reached} people reached answered ({rate})",
    ),
    "figures_rate_too_few": (
        "Tỉ lệ phản hồi: {rate} ({answered}/{done} hồ sơ, ít dữ liệu); "
        "tại quầy: {walkins} câu trả lời",
        "Response rate: {rate} ({answered}/{done} cases, too few); at the desk: {walkins} answers",
    ),
    "figures_trend": ("Theo tuần:", "Week by week:"),
    "figures_choose_ward": ("Xem báo cáo của phường nào?", "Which ward's figures?"),
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
    # /baocao (issue 11): «Chưa có ý kiến» and broadcast answers counted apart
    "figures_no_opinion": (
        "Chưa có ý kiến: {count} câu (không tính vào tỉ lệ hài lòng)",
        "No opinion yet: {count} answers (not in the share)",
    ),
    "figures_broadcast_apart": (
        "Khảo sát gửi đi (tính riêng): {figure}",
        "Broadcast surveys (apart): {figure}",
    ),
    "btn_days": ("{days} ngày", "{days} days"),
    "stopped": ("Đã dừng. Khi cần, gõ /help.", "Stopped. Type /help whenever you need."),
    "nothing_to_stop": ("Không có việc gì đang làm dở.", "There is nothing in progress."),
    "language_set": ("Đã chuyển sang tiếng Việt.", "Switched to English."),
    "error": (
        "Xin lỗi, đã có trục trặc. Xin Ông/Bà thử lại sau ít phút.",
        "Sorry, something went wrong. Please try again in a few minutes.",
    ),
    # ---- chats without buttons (Zalo) ----
    "zalo_answer_by_number": (
        "— Xin trả lời bằng số (ví dụ: 1), hoặc gõ đúng câu trả lời.",
        "— Reply with the number (e.g. 1), or type the answer.",
    ),
    "zalo_photo_elsewhere": (
        "kèm một ảnh, Zalo không hiển thị được",
        "with a photo that Zalo cannot show",
    ),
    # ---- chats without buttons (Zalo): a prompt for words, a number not offered (issue 11) ----
    "zalo_or_number": (
        "— Hoặc gõ số để chọn.",
        "— Or type the number to choose.",
    ),
    "number_not_offered": (
        "Không có lựa chọn số {number}. Xin Ông/Bà chọn lại:",
        "There is no choice number {number}. Please choose again:",
    ),
    # ---- broadcasts: the citizen's consent and the invitation ----
    "optin_ask": (
        "{Kind} có thể gửi Ông/Bà các khảo sát ý kiến sau này qua đây không? "
        "Ông/Bà có thể đổi ý bất cứ lúc nào: /huy để ngừng, /nhan để nhận lại.",
        "May the ward send you future surveys here? You can change your mind at any time: "
        "/huy to stop, /nhan to receive them again.",
    ),
    "btn_optin_yes": ("Đồng ý", "Yes"),
    "btn_optin_no": ("Không, cảm ơn", "No, thanks"),
    "optin_yes": (
        "Cảm ơn Ông/Bà. {Kind} sẽ gửi khảo sát khi cần; gõ /huy để ngừng nhận.",
        "Thank you. The ward will send you surveys now and then; type /huy to stop them.",
    ),
    "optin_no": (
        "Đã ghi nhận: Ông/Bà sẽ không nhận khảo sát nào nữa. Gõ /nhan nếu muốn nhận lại.",
        "Noted: you will receive no more surveys. Type /nhan to receive them again.",
    ),
    "optin_yes_short": ("Đã đăng ký nhận khảo sát", "Surveys on"),
    "optin_no_short": ("Đã ngừng nhận khảo sát", "Surveys off"),
    # ---- broadcasts: a person who opts in without a known ward is asked which (issue 11) ----
    "optin_choose_ward": (
        "Cảm ơn Ông/Bà. Ông/Bà muốn nhận khảo sát của phường nào?",
        "Thank you. Which ward's surveys would you like to receive?",
    ),
    "optin_yes_ward": (
        "Cảm ơn Ông/Bà. {ward} sẽ gửi khảo sát khi cần; gõ /huy để ngừng nhận.",
        "Thank you. {ward} will send you surveys now and then; type /huy to stop them.",
    ),
    "optin_no_ward": (
        "Cảm ơn Ông/Bà. Để phường gửi được khảo sát, xin quét mã QR tại Bộ phận một cửa "
        "của phường một lần.",
        "Thank you. So that your ward can send you surveys, please scan the QR code at its "
        "one-stop desk once.",
    ),
    "invite_intro": (
        "{ward} kính mời Ông/Bà dành ít phút cho {count} câu hỏi. Chỉ cần chọn một mức bên dưới.",
        "{ward} kindly asks for a few minutes of your time: {count} questions. "
        "Just choose one of the answers below.",
    ),
    # ---- broadcasts: the admin's wizard and progress ----
    "bc_choose_survey": (
        "<b>Gửi khảo sát</b>\nChọn khảo sát:",
        "<b>Send a survey</b>\nChoose one:",
    ),
    "bc_broken_surveys": (
        "Các tệp khảo sát sau bị lỗi nên không dùng được:",
        "These survey files have errors and cannot be used:",
    ),
    "bc_choose_audience": (
        "Gửi tới ai? Bấm một nút, hoặc gõ tên hay mã các phường, cách nhau bởi dấu phẩy "
        "(ví dụ: Nghĩa Tân, DICH-VONG). Chỉ người đã đồng ý nhận khảo sát mới được gửi.",
        "Who should get it? Tap a button, or type ward names or codes separated by commas "
        "(e.g. Nghĩa Tân, DICH-VONG). Only people who agreed to receive surveys get it.",
    ),
    "btn_all_wards": ("Toàn thành phố ({count} người)", "Whole city ({count} people)"),
    "btn_one_ward": ("{ward} ({count} người)", "{ward} ({count} people)"),
    "bc_unknown_wards": (
        "Không tìm thấy phường: {codes}. Xin gõ lại tên hay mã phường, cách nhau bởi dấu phẩy.",
        "No such ward: {codes}. Please type the ward names or codes again, separated by commas.",
    ),
    "bc_preview": (
        "<b>Xem trước</b> — nơi nhận: {scope}; {count} người. "
        "Người dân sẽ nhận đúng tin nhắn dưới đây:",
        "<b>Preview</b> — to: {scope}; {count} people. Citizens will get exactly this message:",
    ),
    "bc_preview_only": ("Đây là bản xem trước", "This is only a preview"),
    "bc_decide": ("Gửi tới {count} người?", "Send to {count} people?"),
    "btn_send_now": ("📤 Gửi ngay", "📤 Send now"),
    "btn_send_later": ("🕒 Hẹn giờ", "🕒 Schedule"),
    "btn_cancel": ("Huỷ", "Cancel"),
    "btn_pause": ("⏸ Tạm dừng", "⏸ Pause"),
    "btn_resume": ("▶ Tiếp tục", "▶ Resume"),
    "bc_ask_time": (
        "Gõ ngày giờ gửi (giờ Việt Nam), ví dụ: 01/12/2026 08:00",
        "Type the date and time to send (local time), e.g. 01/12/2026 08:00",
    ),
    "bc_bad_time": (
        "Chưa đọc được ngày giờ này. Xin gõ theo mẫu 01/12/2026 08:00 (trong vòng một năm).",
        "I could not read that time. Please type it like 01/12/2026 08:00 (within a year).",
    ),
    "bc_past_time": (
        "Thời điểm này đã qua. Xin gõ một thời điểm trong tương lai.",
        "That time has passed. Please type a time in the future.",
    ),
    "bc_nobody": (
        "Chưa có ai ở nơi này đồng ý nhận khảo sát, nên không gửi gì.",
        "Nobody there has agreed to receive surveys, so nothing was sent.",
    ),
    "bc_started": (
        "Đã bắt đầu gửi khảo sát số {id} tới {count} người. Tiến độ sẽ hiện ngay sau đây.",
        "Broadcast {id} to {count} people has started. Its progress follows.",
    ),
    "bc_scheduled": (
        "Đã hẹn gửi khảo sát số {id} lúc {when} tới {count} người.",
        "Broadcast {id} is scheduled for {when}, to {count} people.",
    ),
    "bc_no_change": ("Không thay đổi được lúc này", "Nothing to change now"),
    "bc_now_cancelled": ("Đã huỷ đợt gửi", "Broadcast cancelled"),
    "bc_now_paused": ("Đã tạm dừng", "Paused"),
    "bc_now_scheduled": ("Đã cho gửi tiếp", "Resumed"),
    "bc_progress_title": ("<b>Gửi khảo sát số {id}</b>: {title}", "<b>Broadcast {id}</b>: {title}"),
    "bc_progress_counts": (
        "Đã gửi {sent}/{audience} · chặn bot {blocked} · lỗi {failed} · bỏ qua {skipped} · "
        "còn lại {remaining}",
        "Sent {sent}/{audience} · blocked {blocked} · failed {failed} · skipped {skipped} · "
        "remaining {remaining}",
    ),
    "bc_progress_rate": (
        "Tốc độ {rate} tin/giây · còn khoảng {minutes} phút",
        "{rate} messages/s · about {minutes} min left",
    ),
    "bc_progress_answered": (
        "Đã trả lời: {answered} người ({share}% số đã nhận)",
        "Answered: {answered} people ({share}% of those reached)",
    ),
    "bc_state_draft": ("Đang soạn", "Draft"),
    "bc_state_scheduled": ("Chờ đến giờ gửi", "Waiting for its time"),
    "bc_state_running": ("Đang gửi…", "Sending…"),
    "bc_state_paused": ("Đã tạm dừng", "Paused"),
    "bc_state_cancelled": ("Đã huỷ", "Cancelled"),
    "bc_state_done": ("✅ Đã gửi xong", "✅ Finished"),
    "bc_state_quiet": (
        "Giờ nghỉ: không gửi ban đêm, sáng mai tự gửi tiếp",
        "Quiet hours: no sending at night; it goes on in the morning",
    ),
    # ---- issue 10 (robustness): a long page reaches leaders whole ----------------------------
    "notice_more": (
        "📖 <b>{ward} — Trang {page} (tiếp)</b>\n<blockquote>…{text}</blockquote>",
        "📖 <b>{ward} — Page {page} (continued)</b>\n<blockquote>…{text}</blockquote>",
    ),
    # ---- issue 10 (nobody stranded): a one-time invite another chat took first ----
    "invite_used": (
        "Link mời này đã có người dùng nên không còn dùng được: mỗi link chỉ dùng một lần. "
        "Xin liên hệ văn phòng để nhận link mới.",
        "This invitation link was already used, so it can no longer be used: each link "
        "works once. Please ask the office for a new one.",
    ),
    # ---- data protection (issue 15): notice, see, erase, withdraw ----
    "privacy_notice_short": (
        "🔒 Dữ liệu của Ông/Bà do Ủy ban nhân dân {kind} giữ, chỉ để đo mức độ hài lòng "
        "và ghi sổ góp ý: câu trả lời, góp ý, mã hồ sơ, và tên nếu Ông/Bà ký tên. "
        "Giữ {months} tháng kể từ lần dùng cuối. Quyền của Ông/Bà: /quyenriengtu",
        "🔒 Your data is held by the ward's People's Committee, only to measure satisfaction "
        "and keep the suggestion book: your answers, suggestions, case codes, and your name if "
        "you sign. Kept {months} months after your last use. Your rights: /quyenriengtu",
    ),
    "privacy_notice_full": (
        "<b>Quyền riêng tư — Sổ góp ý</b>\n\n"
        "<b>Ai giữ dữ liệu:</b> Ủy ban nhân dân {kind} nơi Ông/Bà làm thủ tục hoặc gửi góp ý.\n"
        "<b>Để làm gì:</b> đo mức độ hài lòng với dịch vụ hành chính công (SIPAS) và "
        "ghi sổ góp ý để lãnh đạo {kind} đọc, trả lời.\n"
        "<b>Giữ gì:</b> mã tài khoản chat; tên, chỉ khi Ông/Bà chọn «Gửi kèm tên»; "
        "mã hồ sơ đã liên kết; các câu trả lời khảo sát; nội dung và ảnh góp ý; "
        "lựa chọn nhận khảo sát và thời điểm đồng ý.\n"
        "<b>Bao lâu:</b> {months} tháng kể từ lần dùng cuối; sau đó dữ liệu được ẩn danh "
        "và ảnh cũ bị xoá.\n"
        "<b>Ai được xem:</b> lãnh đạo {kind} thấy góp ý (tên chỉ khi Ông/Bà ký tên); "
        "mọi lần xem, xuất dữ liệu có tên đều được ghi lại.\n\n"
        "<b>Quyền của Ông/Bà</b> (Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15):\n"
        "/dulieucuatoi — xem toàn bộ dữ liệu về mình (kèm tệp)\n"
        "/angdanh — rút lại đồng ý hiện tên: các trang đã ký thành «Ẩn danh»\n"
        "/xoadulieu — xoá dữ liệu của mình\n"
        "/huy — ngừng nhận khảo sát\n"
        "Ông/Bà cũng có thể đề nghị tại Bộ phận một cửa của {kind}.",
        "<b>Privacy — the suggestion book</b>\n\n"
        "<b>Who holds your data:</b> the People's Committee of the ward where you filed a case "
        "or wrote a suggestion.\n"
        "<b>What for:</b> measuring satisfaction with public services (SIPAS) and keeping the "
        "suggestion book that the ward's leaders read and answer.\n"
        "<b>What is kept:</b> your chat account id; your name, only when you choose "
        "«With my name»; the case codes you linked; your survey answers; your suggestions' text "
        "and photos; whether you agreed to receive surveys, and when.\n"
        "<b>How long:</b> {months} months after your last use; then it is anonymized and old "
        "photos are deleted.\n"
        "<b>Who sees it:</b> the ward's leaders see suggestions (your name only if you signed); "
        "every reading or export with names is recorded.\n\n"
        "<b>Your rights</b> (Personal Data Protection Law No. 91/2025/QH15):\n"
        "/dulieucuatoi — see everything stored about you (with a file)\n"
        "/angdanh — withdraw consent to show your name: signed pages become «Anonymous»\n"
        "/xoadulieu — erase your data\n"
        "/huy — stop receiving surveys\n"
        "You may also ask at the ward's one-stop desk.",
    ),
    "my_data": (
        "<b>Dữ liệu của Ông/Bà</b>\n"
        "• Tên đã cho biết: {name}\n"
        "• Tài khoản: {platform} {chat}\n"
        "• Hồ sơ đã liên kết: {cases}\n"
        "• Khảo sát: {surveys} lần, {answers} câu trả lời\n"
        "• Góp ý: {pages} trang (ký tên: {named})\n"
        "• Nhận khảo sát: {optin}\n"
        "Tệp kèm theo có đầy đủ dữ liệu. Ẩn tên: /angdanh · Xoá dữ liệu: /xoadulieu",
        "<b>Your data</b>\n"
        "• Name you gave: {name}\n"
        "• Account: {platform} {chat}\n"
        "• Linked cases: {cases}\n"
        "• Surveys: {surveys}, {answers} answers\n"
        "• Suggestions: {pages} pages ({named} signed)\n"
        "• Receive surveys: {optin}\n"
        "The attached file has all of it. Hide your name: /angdanh · Erase: /xoadulieu",
    ),
    "my_data_none": ("(không có)", "(none)"),
    "my_data_optin_unasked": ("chưa được hỏi", "not asked yet"),
    "my_data_yes": ("có", "yes"),
    "my_data_no": ("không", "no"),
    "document_elsewhere": (
        "Tệp dữ liệu đầy đủ: xin nhận tại Bộ phận một cửa của phường, xã, hoặc gõ /dulieucuatoi "
        "trên Telegram.",
        "The full data file: ask at the ward's one-stop desk, or type /dulieucuatoi on Telegram.",
    ),
    "btn_withdraw_name": ("Ẩn tên trên các trang", "Hide my name on my pages"),
    "erase_confirm": (
        "Ông/Bà muốn xoá dữ liệu của mình?\n\n"
        "• <b>Xoá dữ liệu</b>: xoá tên, tài khoản chat và liên kết hồ sơ. Câu trả lời khảo sát "
        "vẫn được đếm nhưng không còn biết của ai; góp ý vẫn trong sổ, thành «Ẩn danh».\n"
        "• <b>Xoá cả nội dung góp ý</b>: như trên, và chữ, ảnh của góp ý được thay bằng "
        "«Đã xoá theo yêu cầu của người viết».\n\n"
        "Không thể lấy lại sau khi xoá.",
        "Do you want to erase your data?\n\n"
        "• <b>Erase my data</b>: your name, chat account and case links are deleted. Your survey "
        "answers still count but nobody can tell they were yours; your suggestions stay in the "
        "book as «Anonymous».\n"
        "• <b>Erase the suggestions' content too</b>: as above, and their text and photos are "
        "replaced by «Đã xoá theo yêu cầu của người viết» (erased at the writer's request).\n\n"
        "This cannot be undone.",
    ),
    "btn_erase": ("Xoá dữ liệu", "Erase my data"),
    "btn_erase_content": ("Xoá cả nội dung góp ý", "Erase the content too"),
    "btn_keep": ("Không xoá", "Do not erase"),
    "erased": (
        "Đã xoá dữ liệu của Ông/Bà. Nếu Ông/Bà nhắn tiếp, bot coi như lần đầu gặp. Xin cảm ơn!",
        "Your data has been erased. If you write again, the bot will treat you as new. Thank you!",
    ),
    "erase_kept": ("Đã giữ nguyên, không xoá gì.", "Nothing was erased."),
    "erased_content": (
        "Đã xoá theo yêu cầu của người viết",
        "Erased at the writer's request",
    ),
    "name_withdrawn": (
        "Đã ẩn tên trên {count} trang góp ý: sổ góp ý và lãnh đạo {kind} chỉ còn thấy «Ẩn danh».",
        "Your name is hidden on {count} pages: the book and the ward's leaders now see "
        "«Anonymous».",
    ),
    "name_withdrawn_none": (
        "Ông/Bà không có trang góp ý nào ký tên.",
        "You have no signed suggestion.",
    ),
    # the web console (issue 13): /web, a one-time login link for leaders and admins
    "web_link": (
        "Đường dẫn đăng nhập trang quản lý, dùng một lần, hết hạn sau 10 phút:\n{link}",
        "A one-time login link to the web console, valid for 10 minutes:\n{link}",
    ),
    "web_link_refused": (
        "Trang quản lý chỉ dành cho lãnh đạo phường/xã và quản trị viên.",
        "The web console is for ward leaders and admins only.",
    ),
    "web_link_off": (
        "Trang quản lý chưa được bật trên máy chủ này (SOGOPY_HTTP_PORT).",
        "The web console is not enabled on this server (SOGOPY_HTTP_PORT).",
    ),
}


def _index(language: str) -> int:
    return 1 if language == "en" else 0


def say(language: str, key: str, **values: object) -> str:
    """The sentence `key` in `language`, with every value escaped unless it is `Html`.

    `kind` is the ward's kind ("phường", "xã", "thị trấn": `Ward.kind`), which templates
    say as `{kind}`, or `{Kind}` at the start of a sentence; with no ward known, phường.
    """
    template = TEXTS[key][_index(language)]
    kind = str(values.pop("kind", None) or DEFAULT_KIND)
    escaped = {
        name: value if isinstance(value, Html) else html.escape(str(value), quote=False)
        for name, value in values.items()
    }
    return template.format(kind=kind, Kind=kind[:1].upper() + kind[1:], **escaped)


def shorten(text: str, limit: int) -> str:
    """Text cut to `limit` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def level_label(language: str, level: int) -> str:
    from storage.models import NO_OPINION  # here: the CLI's help comes from this module

    labels = NO_OPINION_LABEL if level == NO_OPINION else LEVELS[level]
    return labels[_index(language)]


def element_label(language: str, element: str) -> str:
    return ELEMENTS[element][_index(language)]


def status_label(language: str, status: str) -> str:
    return STATUSES[status][_index(language)]


def localized(language: str, text: dict[str, str]) -> str:
    """Pick a survey file's text in `language`, falling back to Vietnamese."""
    return text.get(language) or text["vi"]


# The office layer's errors (issue 12: office/, its CLI and HTTP API): plain one-line
# text, not HTML, since a terminal or a JSON body shows it; values go in as given.
OFFICE_TEXTS: Final[dict[str, tuple[str, str]]] = {
    "bad_ward": (
        "Mã phường/xã {ward!r} không hợp lệ: chỉ dùng chữ, số và dấu '-' (tối đa 32 ký tự)",
        "Ward code {ward!r} is not valid: use letters, digits and '-' (at most 32)",
    ),
    "unknown_ward": (
        "Không có phường/xã mã {ward!r} (xem: sogopy ward list)",
        "There is no ward with code {ward!r} (see: sogopy ward list)",
    ),
    "ward_removed": (
        "Phường/xã {ward} đã bị xoá khỏi danh sách: không nhận hồ sơ mới",
        "Ward {ward} was removed: it takes no new cases",
    ),
    "bad_code": (
        "Mã hồ sơ {code!r} không hợp lệ: tối đa 64 ký tự gồm chữ, số, '.', '/', '-', '_'",
        "Case code {code!r} is not valid: up to 64 letters, digits, '.', '/', '-', '_'",
    ),
    "bad_procedure": (
        "Tên thủ tục phải có từ 1 đến 500 ký tự",
        "The procedure must be 1-500 characters",
    ),
    "bad_desk": (
        "Số quầy phải từ 1 đến 999",
        "The desk number must be from 1 to 999",
    ),
    "naive_time": (
        "Thời điểm {field} phải kèm múi giờ (ví dụ 2026-12-01T08:30:00+07:00)",
        "The time {field} must carry its zone (e.g. 2026-12-01T08:30:00+07:00)",
    ),
    "time_out_of_range": (
        "Thời điểm {field} phải trong các năm 2000-2099",
        "The time {field} must fall within the years 2000-2099",
    ),
    "due_before_received": (
        "Ngày hẹn trả ({due}) không thể trước ngày tiếp nhận ({received})",
        "The due date ({due}) cannot be before the date received ({received})",
    ),
    "case_conflict": (
        "Mã hồ sơ {code} đã được đăng ký với phường/xã hoặc thủ tục khác",
        "Case {code} is already registered with another ward or procedure",
    ),
    "unknown_case": (
        "Không có hồ sơ mã {code!r}",
        "There is no case {code!r}",
    ),
    "other_ward": (
        "Hồ sơ {code} thuộc phường/xã khác: không được phép truy cập",
        "Case {code} belongs to another ward: access is not allowed",
    ),
    "bad_key_name": (
        "Tên khoá API tối đa 200 ký tự",
        "An API key's name is at most 200 characters",
    ),
    "unknown_key": (
        "Không có khoá API số {id}",
        "There is no API key {id}",
    ),
    "no_key": (
        "Thiếu khoá API: gửi kèm tiêu đề 'Authorization: Bearer <khoá>'",
        "No API key: send the header 'Authorization: Bearer <key>'",
    ),
    "bad_key": (
        "Khoá API không đúng hoặc đã bị thu hồi",
        "The API key is wrong or was revoked",
    ),
    "other_ward_key": (
        "Khoá API này chỉ dùng cho phường/xã {ward}",
        "This API key is for ward {ward} only",
    ),
    "bad_field": (
        "Giá trị không hợp lệ ở trường '{field}': {reason}",
        "Invalid value in field '{field}': {reason}",
    ),
    "not_storable": (
        "Giá trị ở trường '{field}' chứa ký tự không lưu được (NUL hoặc mã UTF-8 hỏng)",
        "The value of field '{field}' holds a character no database stores (NUL, broken UTF-8)",
    ),
    "too_large": (
        "Dữ liệu gửi lên quá lớn (tối đa {limit} byte)",
        "The request body is too large (at most {limit} bytes)",
    ),
    "not_found": (
        "Không có địa chỉ này trong API",
        "There is no such address in the API",
    ),
    "method": (
        "Địa chỉ này không nhận phương thức {method}",
        "This address does not take {method}",
    ),
    "internal": (
        "Lỗi máy chủ: yêu cầu chưa được thực hiện, xin thử lại sau",
        "Server error: nothing was done, please try again later",
    ),
    "not_ready": (
        "Hệ thống đang khởi động hoặc cơ sở dữ liệu chưa sẵn sàng",
        "Starting up, or the database is not ready",
    ),
    # wards, leaders, figures, broadcasts, case import (the CLI's office operations)
    "bad_ward_name": (
        "Tên phường phải dài 1-200 ký tự",
        "The ward's name must be 1-200 characters",
    ),
    "ward_exists": ("Phường/xã {code} đã có", "Ward {code} already exists"),
    "ward_already_removed": (
        "Phường/xã {code} đã được xoá trước đó",
        "Ward {code} was already removed",
    ),
    # ---- wards named by their Vietnamese name; a ward's kind (issue 11, points 12 and 14) ----
    "ambiguous_ward": (
        "«{ward}» có thể là nhiều phường/xã: {wards}. Xin ghi rõ mã",
        "«{ward}» may name several wards: {wards}. Please give the code",
    ),
    "bad_kind": (
        "Loại đơn vị «{kind}» không có: chọn một trong {choices}",
        "No kind «{kind}»: use one of {choices}",
    ),
    "bad_days": (
        "{value} ngày: chọn số ngày từ {low} đến {high}",
        "{value} days: use a number of days from {low} to {high}",
    ),
    "unknown_leader": ("Không có lãnh đạo số {id}", "Unknown leader id {id}"),
    # issue 11: the official name and title a leader signs with
    "bad_signature": (
        "--{field}: cần từ 1 đến {limit} ký tự",
        "--{field}: 1 to {limit} characters are needed",
    ),
    "leader_already_removed": (
        "Lãnh đạo {id} ({name}, {ward}) đã thôi từ ngày {when}",
        "Leader {id} ({name}, {ward}) was already removed on {when}",
    ),
    "bad_invite": (
        "«{value}» không phải link hay mã mời",
        "«{value}» is not an invite link or token",
    ),
    "unknown_invite": (
        "Không tìm thấy lời mời này (kiểm tra lại link)",
        "Unknown invite (check the link)",
    ),
    "invite_used": (
        "Lời mời vào {ward} đã được dùng lúc {when}: muốn thôi lãnh đạo, dùng «leader remove»",
        "Invite to {ward} already used on {when}: to end that leadership use «leader remove»",
    ),
    "invite_revoked": (
        "Lời mời vào {ward} đã bị thu hồi lúc {when}",
        "This invite to {ward} was already revoked on {when}",
    ),
    "bad_day": (
        "Ngày «{value}»: ghi dạng YYYY-MM-DD hoặc dd/mm/yyyy",
        "The day «{value}»: use YYYY-MM-DD or dd/mm/yyyy",
    ),
    "day_out_of_range": (
        "Ngày {value} nằm ngoài khoảng cho phép: chọn ngày từ {first} đến {last}",
        "The day {value} is out of range: give a day from {first} to {last}",
    ),
    "period_backwards": (
        "Ngày bắt đầu {first} ở sau ngày kết thúc {last}",
        "The first day {first} is after the last day {last}",
    ),
    "bad_by": (
        "Không có cách nhóm «{value}»: chọn một trong {choices}",
        "No grouping «{value}»: use one of {choices}",
    ),
    # reports (issue 11): periods, sources, and the words of every report's table and text
    "bad_period": (
        "Kỳ báo cáo «{value}»: ghi 2026-11 hoặc 11/2026 (tháng), 2026-Q4 hoặc Q4/2026 (quý), "
        "2026 (năm)",
        "The period «{value}»: use 2026-11 or 11/2026 (month), 2026-Q4 or Q4/2026 (quarter), "
        "2026 (year)",
    ),
    "period_and_days": (
        "--period đã chọn cả kỳ: không dùng kèm --since hay --until",
        "--period names the whole period: do not add --since or --until",
    ),
    "bad_source": (
        "Không có nguồn «{value}»: chọn một trong {choices}",
        "No source «{value}»: use one of {choices}",
    ),
    "report_title": (
        "Mức độ hài lòng {since} – {until} — {scope} (theo {by})",
        "Satisfaction {since} – {until} — {scope} (by {by})",
    ),
    "report_city": ("toàn thành phố", "the whole city"),
    "report_by_element": ("yếu tố", "element"),
    "report_by_procedure": ("thủ tục", "procedure"),
    "report_by_ward": ("phường/xã", "ward"),
    "report_by_desk": ("quầy", "desk"),
    "report_by_week": ("tuần", "week"),
    "report_by_month": ("tháng", "month"),
    "report_by_quarter": ("quý", "quarter"),
    "report_by_year": ("năm", "year"),
    "report_overall": ("Tổng hợp — {scope}", "Overall — {scope}"),
    "report_broadcast": ("Khảo sát gửi đi (tính riêng)", "Broadcast surveys (apart)"),
    "report_desk": ("Quầy {desk}", "Desk {desk}"),
    "report_no_desk": ("Không rõ quầy", "Desk unknown"),
    "report_quarter": ("Quý {quarter}/{year}", "Q{quarter} {year}"),
    "report_source_visit": ("hồ sơ và tại quầy", "cases and walk-ins"),
    "report_source_case": ("hồ sơ", "cases"),
    "report_source_walkin": ("tại quầy", "walk-ins"),
    "report_source_broadcast": ("khảo sát gửi đi", "broadcast surveys"),
    "report_source_all": ("mọi nguồn", "every source"),
    "report_no_opinion": ("Chưa có ý kiến", "No opinion yet"),
    "report_too_few": ("ít dữ liệu", "too few"),
    "report_col_name": ("Tên", "Name"),
    "report_col_answers": ("Số câu trả lời", "Answers"),
    "report_col_share": ("Hài lòng (mức 4-5)", "Satisfied (levels 4-5)"),
    "report_col_mean": ("Điểm trung bình", "Mean"),
    "report_col_level": ("Mức {level}", "Level {level}"),
    "report_col_previous_share": ("Kỳ trước: hài lòng", "Previous period: satisfied"),
    "report_col_previous_answers": ("Kỳ trước: số câu", "Previous period: answers"),
    "report_col_note": ("Ghi chú", "Note"),
    "report_short_answers": ("Câu", "Answers"),
    "report_short_share": ("Hài lòng", "Satisfied"),
    "report_short_mean": ("TB", "Mean"),
    "report_short_previous": ("Kỳ trước", "Before"),
    "report_head": ("Báo cáo mức độ hài lòng", "Satisfaction report"),
    "report_head_unit": ("Đơn vị", "Unit"),
    "report_head_period": ("Kỳ báo cáo", "Period"),
    "report_head_previous": ("Kỳ trước", "Previous period"),
    "report_head_made": ("Ngày lập", "Made on"),
    "report_head_source": ("Nguồn câu trả lời", "Answers from"),
    "report_head_by": ("Theo", "By"),
    "report_head_done": ("Hồ sơ đã trả kết quả", "Cases returned"),
    "report_head_answered": ("Hồ sơ có đánh giá", "Cases with answers"),
    "report_head_rate": ("Tỉ lệ phản hồi (hồ sơ)", "Response rate (cases)"),
    "report_head_walkins": ("Câu trả lời tại quầy", "Walk-in answers"),
    "report_head_broadcast": (
        "Câu trả lời khảo sát gửi đi (tính riêng)",
        "Broadcast survey answers (apart)",
    ),
    "report_line_rate": (
        "Tỉ lệ phản hồi (hồ sơ): {rate} ({answered}/{done}{few}); tại quầy: {walkins} câu trả lời",
        "Response rate (cases): {rate} ({answered}/{done}{few}); walk-ins: {walkins} answers",
    ),
    "report_line_no_opinion": (
        "Chưa có ý kiến: {count} (không tính vào tỉ lệ hài lòng và điểm trung bình)",
        "No opinion yet: {count} (in no share and no mean)",
    ),
    "report_line_broadcast": (
        "Khảo sát gửi đi (tính riêng): {answers} câu trả lời, hài lòng {share}",
        "Broadcast surveys (apart): {answers} answers, {share} satisfied",
    ),
    "report_line_previous": (
        "Kỳ trước {since} – {until}: {answers} câu trả lời, hài lòng {share}",
        "Previous period {since} – {until}: {answers} answers, {share} satisfied",
    ),
    "report_answers_source_case": ("Hồ sơ", "Case"),
    "report_answers_source_walkin": ("Tại quầy", "Walk-in"),
    "report_answers_source_broadcast": ("Khảo sát gửi đi", "Broadcast"),
    "unknown_survey": ("Không có khảo sát «{survey}»", "Unknown survey «{survey}»"),
    "bad_time": (
        "Giờ gửi «{value}»: ghi dạng dd/mm/yyyy HH:MM hoặc YYYY-MM-DD HH:MM (giờ địa phương)",
        "The time «{value}»: use dd/mm/yyyy HH:MM or YYYY-MM-DD HH:MM (local time)",
    ),
    "time_passed": ("Giờ gửi {value} đã qua", "The time {value} has already passed"),
    "unknown_broadcast": ("Không có đợt gửi số {id}", "Unknown broadcast {id}"),
    "broadcast_over": (
        "Đợt gửi {id} không còn chạy: {state}",
        "Broadcast {id} no longer runs: {state}",
    ),
    # ---- the command line's own lines and help (issue 11, point 12) ----
    "cli_error": ("Lỗi: {message}", "Error: {message}"),
    "cli_database": (
        "cơ sở dữ liệu (DATABASE_URL) không dùng được: {why}",
        "the database (DATABASE_URL) cannot be used: {why}",
    ),
    "cli_usage": ("Lỗi: {message} (xem: {help})", "Error: {message} (see: {help})"),
    "cli_missing": ("thiếu {name}", "{name} is missing"),
    "cli_missing_argument": ("thiếu đối số {name}", "the argument {name} is missing"),
    "cli_missing_option": ("thiếu tùy chọn {name}", "the option {name} is missing"),
    "cli_no_such_option": ("không có tùy chọn {option}", "there is no option {option}"),
    "cli_no_such_command": ("không có lệnh «{name}»", "there is no command '{name}'"),
    "cli_did_you_mean": ("{said}; có phải «{name}»?", "{said}; did you mean '{name}'?"),
    "cli_extra_arguments": ("thừa {values}", "{values} is too much"),
    "cli_bad_value": ("{name} không dùng được: {why}", "{name} cannot be used: {why}"),
    "cli_value_integer": ("cần một số nguyên", "a whole number is needed"),
    "cli_value_number": ("cần một số", "a number is needed"),
    "cli_value_min": ("nhỏ nhất là {limit}", "{limit} at the least"),
    "cli_value_max": ("lớn nhất là {limit}", "{limit} at the most"),
    "cli_aborted": ("Đã dừng.", "Stopped."),
    "cli_zalo_line": ('Zalo: gửi "{code}" tới Zalo {bot}', 'Zalo: send "{code}" to Zalo {bot}'),
    "cli_short_code": (
        "Mã số: {code} (gõ số này vào Zalo hoặc Telegram thay cho quét mã QR)",
        "Code: {code} (type it on Zalo or Telegram instead of scanning the QR code)",
    ),
    "cli_ward_added": ("Đã thêm {kind} {code}: {name}", "Added ward {code}: {name} ({kind})"),
    "cli_no_wards": (
        "Chưa có phường, xã nào: sogopy ward add MÃ TÊN",
        "No wards yet: sogopy ward add CODE NAME",
    ),
    "cli_ward_line": (
        "{code}\t{name}\t{kind}\thạn trả lời {days} ngày\t{pages} trang{removed}",
        "{code}\t{name}\t{kind}\tanswer deadline {days} days\t{pages} pages{removed}",
    ),
    "cli_ward_removed_mark": ("\tđã xoá", "\tremoved"),
    "cli_nothing_to_set": (
        "Không có gì để đổi: ghi --deadline-days N",
        "Nothing to change: give --deadline-days N",
    ),
    "cli_deadline_set": ("{code}: hạn trả lời {days} ngày", "{code}: answer deadline {days} days"),
    "cli_ward_removed": (
        "Đã xoá {code} khỏi danh sách: sổ góp ý và số liệu vẫn được giữ",
        "Removed {code}: its book and figures are kept",
    ),
    "cli_qr_png": (
        "--qr {file}: mã QR được ghi dạng PNG: đặt tên tệp đuôi .png",
        "--qr {file}: the QR code is written as PNG: use a .png file name",
    ),
    "cli_cannot_write": ("Không ghi được {file}: {why}", "Cannot write {file}: {why}"),
    "cli_qr_written": ("Đã ghi mã QR vào {file}", "QR code written to {file}"),
    "cli_case_exists": ("Hồ sơ {code} đã có", "Case {code} already exists"),
    "cli_case_already_done": (
        "Hồ sơ {code} đã được đánh dấu trả kết quả trước đó",
        "Case {code} was already marked done",
    ),
    "cli_case_done_linked": (
        "Hồ sơ {code} đã trả kết quả; công dân sẽ được mời đánh giá",
        "Case {code} marked done; the citizen will be asked for the survey",
    ),
    "cli_case_done_unlinked": (
        "Hồ sơ {code} đã trả kết quả; chưa công dân nào mở link hay gõ mã số của hồ sơ",
        "Case {code} marked done; no citizen has opened its link or typed its code yet",
    ),
    "cli_invite_valid": (
        "Dùng được một lần, đến {until} ({zone})",
        "Valid once, until {until} ({zone})",
    ),
    "cli_no_leaders": (
        "Chưa có lãnh đạo nào: sogopy leader invite MÃ",
        "No leaders yet: sogopy leader invite CODE",
    ),
    "cli_no_leaders_in": (
        "{ward} chưa có lãnh đạo nào: sogopy leader invite {ward}",
        "No leaders in {ward} yet: sogopy leader invite {ward}",
    ),
    "cli_leader_line": (
        "{id}\t{ward}\t{name}\t{platform} {chat}\ttừ {since}",
        "{id}\t{ward}\t{name}\t{platform} {chat}\tsince {since}",
    ),
    "cli_bad_leader_id": (
        "Số lãnh đạo {value!r} không đúng: dùng số in ở cột đầu của sogopy leader list",
        "Bad leader id {value!r}: use the number shown by sogopy leader list",
    ),
    "cli_leader_removed": (
        "{name} thôi làm lãnh đạo {code} ({ward})",
        "Removed {name} as leader of {code} ({ward})",
    ),
    "cli_invite_revoked": (
        "Đã thu hồi lời mời vào {code} lập lúc {created}: link không còn dùng được",
        "Revoked the invite to {code} made on {created}: the link no longer works",
    ),
    "cli_need_username": (
        "Đặt TELEGRAM_BOT_USERNAME (hoặc TELEGRAM_BOT_TOKEN) để in được link",
        "Set TELEGRAM_BOT_USERNAME (or TELEGRAM_BOT_TOKEN) to print links",
    ),
    "cli_bad_format": ("--format {value}: chọn {choices}", "--format {value}: use {choices}"),
    "cli_or": (" hoặc ", " or "),
    "cli_excel_to_terminal": (
        "Tệp Excel không in ra màn hình được: ghi -o TỆP.xlsx",
        "An Excel file cannot go to the terminal: give -o FILE.xlsx",
    ),
    "cli_survey_line": (
        "{survey}\tphiên bản {version}\t{count} câu hỏi\t{title}",
        "{survey}\tversion {version}\t{count} questions\t{title}",
    ),
    "cli_survey_refused": ("Bị từ chối: {problem}", "Refused: {problem}"),
    "cli_survey_ok": (
        "Hợp lệ: {survey} phiên bản {version}, {count} câu hỏi",
        "OK: {survey} version {version}, {count} questions",
    ),
    "cli_city": ("toàn thành phố", "city-wide"),
    "cli_now": ("gửi ngay", "now"),
    "cli_at": ("lúc {when}", "at {when}"),
    "cli_broadcast_created": (
        "Đợt gửi {id}: khảo sát {survey} tới {count} người ({scope}), {when}",
        "Broadcast {id}: survey {survey} to {count} people ({scope}), {when}",
    ),
    "cli_broadcast_status": (
        "Đợt gửi {id}: {state}\n"
        "Khảo sát: {survey}\n"
        "Tới: {scope} ({count} người)\n"
        "Hẹn giờ: {scheduled}  Bắt đầu: {started}  Xong: {finished}\n"
        "Đã gửi {sent}, chặn bot {blocked}, lỗi {failed}, bỏ qua {skipped}, còn lại {pending}\n"
        "Đã trả lời: {answered} người{share}",
        "Broadcast {id}: {state}\n"
        "Survey: {survey}\n"
        "To: {scope} ({count} people)\n"
        "Scheduled: {scheduled}  Started: {started}  Finished: {finished}\n"
        "Sent {sent}, blocked {blocked}, failed {failed}, skipped {skipped}, pending {pending}\n"
        "Answered: {answered} people{share}",
    ),
    "cli_broadcast_share": (" ({percent}% số người đã nhận)", " ({percent}% of those reached)"),
    "cli_broadcast_cancelled": ("Đã huỷ đợt gửi {id}", "Broadcast {id} cancelled"),
    "cli_key_scope_city": ("toàn thành phố", "city"),
    "cli_key_which": (
        "Ghi một trong hai: --ward MÃ hoặc --city",
        "Give --ward CODE or --city (one of them)",
    ),
    "cli_key_made": (
        "Khoá {id} ({prefix}…) cho {scope}: xin lưu lại ngay, khoá không được in lại",
        "Key {id} ({prefix}…) for {scope}: keep it now, it is not shown again",
    ),
    "cli_key_active": ("đang dùng", "active"),
    "cli_key_revoked_at": ("thu hồi {when}", "revoked {when}"),
    "cli_key_revoked": ("Đã thu hồi khoá {id} ({prefix}…)", "Key {id} ({prefix}…) revoked"),
    "cli_key_was_revoked": (
        "Khoá {id} ({prefix}…) đã bị thu hồi trước đó",
        "Key {id} ({prefix}…) was already revoked",
    ),
    "cli_nothing_done": ("{why} — không làm gì", "{why} — nothing done"),
    "person_ambiguous": (
        "{ref!r} khớp với {count} người: {listed}; dùng mã tài khoản chat",
        "{ref!r} matches {count} people: {listed}; use a chat id",
    ),
    "person_unknown": (
        "Không ai khớp với {ref!r} (mã tài khoản chat, mã hồ sơ hoặc tên)",
        "Nobody matches {ref!r} (a chat id, a case code or a name)",
    ),
    "person_no_name": ("không tên", "no name"),
    "help_privacy": (
        "Quyền dữ liệu của công dân, làm tại Bộ phận một cửa; thời hạn lưu giữ.",
        "Citizens' data rights served at the desk; retention.",
    ),
    "help_person": (
        "mã tài khoản chat, mã hồ sơ, hoặc tên người đó đã cho biết",
        "a chat id, a case code, or the name the person gave",
    ),
    "help_privacy_output": (
        "tệp JSON; không ghi: in ra màn hình",
        "the JSON file; stdout without it",
    ),
    "help_privacy_export": (
        "Mọi dữ liệu về một người, dạng JSON (quyền được xem dữ liệu của mình).",
        "Everything stored about one person, as JSON (their right to see it).",
    ),
    "help_privacy_erase": (
        "Xoá dữ liệu của một người: tên, tài khoản chat, liên kết hồ sơ; câu trả lời thành "
        "số đếm ẩn danh.",
        "Erase one person's data: name, chat id, case links; answers stay anonymous counts.",
    ),
    "help_erase_content": (
        "thay cả chữ và ảnh các trang góp ý của người đó",
        "also replace the text and photos of their pages",
    ),
    "help_privacy_purge": (
        "Áp dụng SOGOPY_RETENTION_MONTHS: ẩn danh người lâu không dùng, xoá ảnh các trang cũ.",
        "Apply SOGOPY_RETENTION_MONTHS: anonymize inactive people, drop old pages' photos.",
    ),
    "help_dry_run": ("chỉ in những gì sẽ bị xoá", "only show what would go"),
    "help_audit": (
        "Ai đã đọc hay xuất dữ liệu cá nhân, lúc nào, bằng cách nào (nhật ký).",
        "Who read or exported personal data, when and how (the audit trail).",
    ),
    "help_audit_since": ("từ ngày này, YYYY-MM-DD", "from this day, YYYY-MM-DD"),
    "help_audit_who": (
        "một phần tên người làm, hoặc một loại: leader, cli…",
        "part of the actor's name, or a kind: leader, cli…",
    ),
    "help_backup": (
        "Bản sao nhất quán của cơ sở dữ liệu, khi bot đang chạy.",
        "A consistent copy of the database, while the bot runs.",
    ),
    "help_backup_file": ("tệp sao lưu sẽ ghi (tệp mới)", "the copy to write (new file)"),
    "help_restore": (
        "Khôi phục cơ sở dữ liệu từ bản sao lưu; cơ sở dữ liệu đang có dữ liệu cần --force.",
        "Put a backup in place of the database; refuses a database with data without --force.",
    ),
    "help_restore_file": ("tệp do sogopy backup tạo", "a file made by sogopy backup"),
    "help_force": ("ghi đè cơ sở dữ liệu đang có dữ liệu", "overwrite a database that holds data"),
    "cli_person_written": (
        "Đã ghi dữ liệu của {chat} vào {file}",
        "Wrote the data of {chat} to {file}",
    ),
    "cli_erased": (
        "Đã xoá dữ liệu của {who}: {pages} trang góp ý {kept}; câu trả lời vẫn được đếm, "
        "không còn biết của ai",
        "Erased {who}: {pages} pages {kept}; answers kept as anonymous counts",
    ),
    "cli_erased_content": ("đã thay nội dung", "had their text replaced"),
    "cli_erased_kept": ("giữ lại, thành ẩn danh", "kept, anonymous"),
    "cli_purge_people": (
        "{verb} {count} người không hoạt động từ {since} ({months} tháng)",
        "{verb} {count} people inactive since {since} ({months} months)",
    ),
    "cli_purge_photos": (
        "{verb} ảnh của {count} trang góp ý cũ hơn {since}",
        "{verb} the photos of {count} pages older than {since}",
    ),
    "cli_would_anonymize": ("Sẽ ẩn danh", "Would anonymize"),
    "cli_anonymized": ("Đã ẩn danh", "Anonymized"),
    "cli_would_drop": ("Sẽ xoá", "Would drop"),
    "cli_dropped": ("Đã xoá", "Dropped"),
    "cli_photo_of": ("trang {page} của phường/xã số {ward}", "page {page} of ward {ward}"),
    "cli_no_entries": ("Chưa có mục nào", "No entries"),
    "cli_backed_up": ("Đã sao lưu vào {file}", "Backed up to {file}"),
    "cli_restored": ("Đã khôi phục từ {file}", "Restored from {file}"),
    "quiet_time": (
        "Giờ gửi {value} rơi vào giờ nghỉ {quiet} (SOGOPY_QUIET_HOURS): chọn giờ khác",
        "The time {value} falls in the quiet hours {quiet} (SOGOPY_QUIET_HOURS): choose another",
    ),
    "nobody_to_send": (
        "Chưa có ai ở {scope} đồng ý nhận khảo sát: không tạo đợt gửi nào",
        "Nobody in {scope} has agreed to receive surveys: no broadcast was made",
    ),
    # help texts of the commands (Typer shows them with --help)
    "help_app": (
        "Sổ góp ý: sổ góp ý điện tử và khảo sát mức độ hài lòng của phường, xã.",
        "Sổ góp ý: the ward's digital suggestion book and satisfaction survey.",
    ),
    "help_run": (
        "Chạy bot (nhận tin liên tục) cùng bộ hẹn giờ.",
        "Run the bot (long polling) with its scheduler.",
    ),
    "help_demo": (
        "Bot chạy với máy giả lập Bot API có sẵn: đóng vai công dân, lãnh đạo, quản trị tại đây.",
        "The bot against a built-in Bot API emulator: play citizen, leader and admin here.",
    ),
    "help_demo_zalo": (
        "công dân dùng Zalo (trả lời bằng số)",
        "the citizen uses Zalo (numbered answers)",
    ),
    "help_wards": ("Phường, xã, thị trấn.", "Wards (phường, xã, thị trấn)."),
    "help_cases": ("Hồ sơ tại Bộ phận một cửa.", "Cases (hồ sơ) at the one-stop desk."),
    "help_leaders": (
        "Lãnh đạo phường, xã: mời, danh sách, cho thôi.",
        "Ward leaders: invites, the list, removal.",
    ),
    "help_exports": ("Xuất dữ liệu cho văn phòng (CSV, Excel).", "Exports (CSV, Excel)."),
    # exports and the report (issue 11, point 12: their help and lines in Vietnamese)
    "help_export_book": (
        "Xuất sổ góp ý của một phường, xã: mỗi trang một dòng, theo số trang.",
        "Export a ward's suggestion book: one row per page, in page order.",
    ),
    "help_export_answers": (
        "Mỗi câu trả lời một dòng: mã hồ sơ, yếu tố, mức, phiên bản khảo sát, nguồn, thời gian.",
        "One row per answer: case code, element, level, survey version, source, time.",
    ),
    "help_report": (
        "Mức độ hài lòng theo phường, xã và yếu tố SIPAS: số câu trả lời, tỷ lệ hài lòng, "
        "tỷ lệ phản hồi, kèm kỳ trước.",
        "Satisfaction per ward and SIPAS element: answers, share satisfied, response rate, "
        "with the period before.",
    ),
    "help_only_ward": ("chỉ phường, xã này (mã hoặc tên)", "only this ward (code or name)"),
    "help_since": ("ngày đầu, YYYY-MM-DD hoặc dd/mm/yyyy", "first day, YYYY-MM-DD or dd/mm/yyyy"),
    "help_until": ("ngày cuối, YYYY-MM-DD hoặc dd/mm/yyyy", "last day, YYYY-MM-DD or dd/mm/yyyy"),
    "help_book_format": (
        "csv hoặc xlsx; mặc định theo tên tệp, không có thì csv",
        "csv or xlsx; by default from the file name, else csv",
    ),
    "help_csv_xlsx": ("csv hoặc xlsx", "csv or xlsx"),
    "help_output_csv": (
        "tệp để ghi; không có thì CSV in ra màn hình",
        "the file to write; CSV goes to stdout without it",
    ),
    "help_output": ("tệp để ghi", "the file to write"),
    "help_period": (
        "trọn một tháng (2026-11), quý (2026-Q4) hoặc năm (2026)",
        "a whole month (2026-11), quarter (2026-Q4) or year (2026)",
    ),
    "help_by": (
        "theo element (yếu tố), procedure (thủ tục), ward, desk (quầy), week, month, "
        "quarter hoặc year",
        "element, procedure, ward, desk, week, month, quarter or year",
    ),
    "help_source": (
        "visit (hồ sơ và khách đến quầy), case, walkin, broadcast hoặc all",
        "visit (cases and walk-ins), case, walkin, broadcast or all",
    ),
    "help_report_format": ("table, csv, xlsx hoặc json", "table, csv, xlsx or json"),
    "help_chart": ("vẽ thêm biểu đồ vào tệp PNG này", "also draw the figures to this PNG"),
    "cli_book_written": (
        "Đã ghi {count} trang sổ góp ý của {code} vào {file}",
        "Wrote {count} pages of {code}'s book to {file}",
    ),
    "cli_answers_written": (
        "Đã ghi {count} câu trả lời vào {file}",
        "Wrote {count} answers to {file}",
    ),
    "cli_chart_not_png": (
        "--chart {file}: biểu đồ là ảnh PNG, xin đặt tên tệp đuôi .png",
        "--chart {file}: the chart is a PNG: use a .png file name",
    ),
    "cli_chart_written": ("Đã vẽ biểu đồ vào {file}", "Chart written to {file}"),
    "help_ward_code": (
        "mã phường/xã (chữ, số, '-'), hoặc tên, ví dụ NGHIA-TAN hay 'Nghĩa Tân'",
        "the ward's code (letters, digits, '-'), or its name, e.g. NGHIA-TAN or 'Nghĩa Tân'",
    ),
    "help_ward_name": ("tên, ví dụ 'Phường Nghĩa Tân'", "its name, e.g. 'Phường Nghĩa Tân'"),
    "help_ward_kind": (
        "phường, xã hoặc thị trấn; mặc định đọc từ tên ('Xã …'), nếu không thì phường",
        "phường, xã or thị trấn; by default read from the name ('Xã …'), else phường",
    ),
    "help_ward_add": ("Thêm một phường, xã.", "Add a ward."),
    "help_ward_list": ("Danh sách phường, xã.", "List the wards."),
    "help_ward_set": (
        "Đổi cài đặt của phường, xã: hạn trả lời góp ý.",
        "Change a ward's settings: its answer deadline.",
    ),
    "help_deadline": (
        "số ngày lãnh đạo có để trả lời một trang trước khi quá hạn (1-365)",
        "days leaders have to answer a page before it is overdue (1-365)",
    ),
    "help_ward_remove": (
        "Xoá một phường, xã: sổ góp ý và số liệu vẫn giữ, không gửi khảo sát tới người dân ở đó.",
        "Remove a ward: its book and figures stay, but broadcasts skip its citizens.",
    ),
    "help_desk_link": (
        "In link khảo sát tại quầy của phường, xã và mã số của quầy; ghi mã QR.",
        "Print the walk-in survey link and code of a ward's desk, and write its QR code.",
    ),
    "help_desk": ("số quầy", "the desk's number"),
    "help_qr": ("ghi mã QR của link vào tệp PNG này", "write the link's QR code to this PNG"),
    "help_case_new": (
        "Đăng ký hồ sơ; in link và mã số để in trên phiếu hẹn.",
        "Register a case; prints the link and code to put on the receipt.",
    ),
    "help_case_code": ("mã hồ sơ", "the case code (mã hồ sơ)"),
    "help_procedure": (
        "thủ tục, ví dụ 'Đăng ký khai sinh'",
        "the procedure, e.g. 'Đăng ký khai sinh'",
    ),
    "help_case_done": (
        "Đánh dấu hồ sơ đã trả kết quả: bot đang chạy sẽ mời công dân đánh giá.",
        "Mark a case returned: the running bot then asks the linked citizen for the survey.",
    ),
    "help_case_import": (
        "Đăng ký các hồ sơ trong tệp xuất từ phần mềm một cửa (và đánh dấu hồ sơ đã trả); "
        "nhập hai lần không sao.",
        "Register the cases of an export (and mark returned ones done); importing twice is safe.",
    ),
    "help_import_file": (
        "tệp xuất: .xlsx hoặc .csv (UTF-8, ',' hoặc ';')",
        "the export: .xlsx or .csv (UTF-8, ',' or ';')",
    ),
    "help_import_done": (
        "mọi hồ sơ trong tệp đã trả kết quả",
        "every case in the file is returned",
    ),
    "help_import_column": (
        'một cột theo tiêu đề, ví dụ code="Số HS" '
        "(tên: code, procedure, received, returned, due); lặp lại cho nhiều cột",
        'a column by its header, e.g. code="Số HS" '
        "(names: code, procedure, received, returned, due); repeat for several",
    ),
    "help_leader_invite": (
        "In link mời dùng một lần: ai mở link sẽ thành lãnh đạo của phường, xã.",
        "Print a one-time invite link that makes whoever opens it a leader of the ward.",
    ),
    "help_invite_days": ("số ngày link còn dùng được (1-90)", "days the link stays valid (1-90)"),
    "help_invite_name": (
        "họ tên chính thức của lãnh đạo, ký trên mỗi trang",
        "the leader's official name, signed on every page",
    ),
    "help_invite_title": (
        "chức vụ, ví dụ «Chủ tịch UBND phường»",
        "the leader's title, e.g. «Chủ tịch UBND phường»",
    ),
    "help_leader_list": (
        "Danh sách lãnh đạo: số (để cho thôi), phường/xã, tên, tài khoản chat, từ ngày.",
        "List the active leaders: id (for leader remove), ward, name, chat, since when.",
    ),
    "help_leader_ward": ("chỉ lãnh đạo của phường, xã này", "only this ward's leaders"),
    "help_leader_remove": (
        "Cho thôi lãnh đạo ngay: người này không còn xem, trả lời sổ góp ý của phường, xã.",
        "End a leadership at once; the person no longer sees or answers the ward's book.",
    ),
    "help_leader_id": ("số in ở cột đầu của leader list", "the id shown by leader list"),
    "help_revoke_invite": (
        "Thu hồi một link mời chưa dùng.",
        "Withdraw an invite link that has not been used yet.",
    ),
    "help_invite_link": ("link mời hoặc mã mời", "the invite link or token"),
    "help_surveys": ("Thư viện khảo sát (tệp YAML).", "The survey library (YAML files)."),
    "help_broadcasts": (
        "Gửi khảo sát tới người dân đã đồng ý nhận.",
        "Surveys sent to opted-in citizens.",
    ),
    "help_survey_list": (
        "Các khảo sát bot có, và tệp nào bị từ chối (kèm lý do).",
        "The surveys the bot offers, and any file it refuses (with the reason).",
    ),
    "help_survey_check": (
        "Kiểm tra một tệp khảo sát: lỗi ghi rõ tệp, dòng và trường.",
        "Validate a survey file: errors name the file, the line and the field.",
    ),
    "help_survey_file": ("một tệp khảo sát (YAML)", "a survey file (YAML)"),
    "help_broadcast_create": (
        "Tạo đợt gửi khảo sát cho bot đang chạy gửi đi; in số của đợt gửi.",
        "Create a broadcast for the running bot to send; prints its id.",
    ),
    "help_broadcast_survey": (
        "mã khảo sát (xem: sogopy survey list)",
        "the survey's key (see: sogopy survey list)",
    ),
    "help_broadcast_ward": (
        "mã hoặc tên phường, xã; lặp lại cho nhiều nơi; không ghi: toàn thành phố",
        "a ward's code or name; repeat for several; none: city-wide",
    ),
    "help_broadcast_at": (
        'giờ địa phương "dd/mm/yyyy HH:MM" hoặc "YYYY-MM-DD HH:MM"; mặc định: ngay',
        'local time "dd/mm/yyyy HH:MM" or "YYYY-MM-DD HH:MM"; default: now',
    ),
    "help_broadcast_status": (
        "Tình hình một đợt gửi: số tin theo kết quả, tỉ lệ trả lời.",
        "Where a broadcast stands: counts by outcome, and its response rate.",
    ),
    "help_broadcast_cancel": (
        "Dừng một đợt gửi: không gửi thêm gì (tin đã gửi vẫn còn).",
        "Stop a broadcast: nothing more is sent (what was sent stays sent).",
    ),
    "help_broadcast_id": ("số của đợt gửi", "its id"),
    "help_apikeys": ("Khoá của API HTTP (/api/v1).", "Keys of the HTTP API (/api/v1)."),
    "help_apikey_create": (
        "Tạo khoá; khoá được in một lần, trên một dòng riêng, không in lại được.",
        "Make a key; it is printed once, on its own line, and cannot be shown again.",
    ),
    "help_apikey_ward": ("phường, xã mà khoá được dùng", "the ward whose data the key may touch"),
    "help_apikey_city": ("khoá cho toàn thành phố: mọi phường, xã", "a city-wide key: every ward"),
    "help_apikey_name": (
        "ai dùng khoá, ví dụ 'phần mềm một cửa'",
        "who uses it, e.g. 'phần mềm một cửa'",
    ),
    "help_apikey_list": (
        "Mọi khoá: số, tiền tố, phường/xã (hoặc toàn thành phố), tên, ngày tạo, đã thu hồi chưa.",
        "Every key: id, prefix, ward (or city), name, made, and whether it was revoked.",
    ),
    "help_apikey_revoke": (
        "Thu hồi khoá ngay: yêu cầu tiếp theo dùng khoá bị từ chối (401).",
        "Stop a key at once: the next request with it is refused (401).",
    ),
    "help_apikey_id": ("số của khoá", "the key's id"),
    # the web console (issue 13): accounts, `sogopy user add`, and the pages
    "bad_user_name": (
        "Tên tài khoản không được để trống, tối đa 200 ký tự",
        "An account's name must not be empty, at most 200 characters",
    ),
    "bad_role": (
        "Vai trò {role!r} không hợp lệ: clerk, leader hoặc admin",
        "Role {role!r} is not valid: clerk, leader or admin",
    ),
    "admin_no_ward": (
        "Quản trị viên thuộc toàn thành phố: bỏ --ward",
        "An admin is city-wide: leave out --ward",
    ),
    "role_needs_ward": (
        "Cán bộ một cửa và lãnh đạo cần --ward MÃ",
        "A clerk or a leader needs --ward CODE",
    ),
    "user_exists": ("Đã có tài khoản tên {name!r}", "An account named {name!r} exists already"),
    "bad_link": (
        "Đường dẫn đã dùng, đã hết hạn hoặc không đúng",
        "The link was used, has expired or is wrong",
    ),
    "short_password": (
        "Mật khẩu cần ít nhất {count} ký tự",
        "The password needs at least {count} characters",
    ),
    "wrong_password": ("Mật khẩu hiện tại không đúng", "The current password is wrong"),
    "bad_login": ("Sai tên hoặc mật khẩu", "Wrong name or password"),
    "locked": (
        "Tài khoản tạm khoá 15 phút sau 5 lần đăng nhập sai",
        "The account is locked for 15 minutes after 5 failed logins",
    ),
    "other_ward_user": (
        "Tài khoản của bạn không xem được dữ liệu phường/xã này",
        "Your account may not see this ward's data",
    ),
    "bad_csrf": (
        "Biểu mẫu đã hết hạn hoặc không hợp lệ: xin tải lại trang và gửi lại",
        "The form has expired or is not valid: reload the page and send it again",
    ),
    "help_users": ("Tài khoản trang quản lý trên web.", "The web console's accounts."),
    "help_user_add": (
        "Thêm tài khoản; in đường dẫn dùng một lần để đặt mật khẩu.",
        "Add an account; prints a one-time link to set its password.",
    ),
    "help_user_role": ("clerk, leader hoặc admin", "clerk, leader or admin"),
    "help_user_name": ("tên đăng nhập (họ tên)", "the login name (full name)"),
    "cli_user_made": (
        "Tài khoản {name} ({role}, {scope}): gửi đường dẫn này để đặt mật khẩu (hạn 3 ngày)",
        "Account {name} ({role}, {scope}): send this link to set the password (valid 3 days)",
    ),
    "web_title": ("Sổ góp ý — trang quản lý", "Sổ góp ý — console"),
    "web_login": ("Đăng nhập", "Log in"),
    "web_logout": ("Đăng xuất", "Log out"),
    "web_name": ("Tên đăng nhập", "Name"),
    "web_password": ("Mật khẩu", "Password"),
    "web_old_password": ("Mật khẩu hiện tại", "Current password"),
    "web_new_password": (
        "Mật khẩu mới (ít nhất 10 ký tự)",
        "New password (at least 10 characters)",
    ),
    "web_set_password": ("Đặt mật khẩu cho {name}", "Set the password of {name}"),
    "web_change_password": ("Đổi mật khẩu", "Change the password"),
    "web_save": ("Lưu", "Save"),
    "web_password_set": (
        "Đã đặt mật khẩu. Mời đăng nhập; mọi phiên cũ đã kết thúc.",
        "The password is set. Please log in; every other session has ended.",
    ),
    "web_hello": ("Xin chào {name}", "Hello {name}"),
    "web_role_clerk": ("Cán bộ một cửa", "One-stop clerk"),
    "web_role_leader": ("Lãnh đạo", "Leader"),
    "web_role_admin": ("Quản trị viên thành phố", "City admin"),
    # ---- the console's admin pages (issue 13, webadmin): ranking, leaders, keys, broadcasts ----
    "admin_only": (
        "Trang này chỉ dành cho quản trị viên thành phố",
        "This page is for city admins only",
    ),
    "web_back": ("← Quay lại, không làm gì", "← Back, do nothing"),
    "web_actions": ("Thao tác", "Actions"),
    "web_choose": ("— Chọn —", "— Choose —"),
    "web_show": ("Xem", "Show"),
    "web_see": ("Xem", "See"),
    "web_made_at": ("Tạo lúc", "Made"),
    "web_expires_at": ("Hết hạn", "Expires"),
    "web_login_again": ("Phiên đăng nhập đã hết, xin đăng nhập lại", "Session over: log in again"),
    "web_ranking": ("Xếp hạng phường/xã", "Wards ranked"),
    "web_period": ("Kỳ (tháng, quý, năm)", "Period (month, quarter, year)"),
    "web_month": ("Tháng {month}/{year}", "{month}/{year}"),
    "web_year": ("Năm {year}", "Year {year}"),
    "web_ranking_of": (
        "Từ {since} đến {until}. Toàn thành phố: {share} hài lòng ({count} câu trả lời).",
        "From {since} to {until}. The whole city: {share} satisfied ({count} answers).",
    ),
    "web_ranking_rule": (
        "Tỉ lệ hài lòng: số câu «Hài lòng» và «Rất hài lòng» trên mọi câu trả lời "
        "(sau hồ sơ và tại quầy). Phường/xã dưới 10 câu trả lời chưa được xếp hạng.",
        "Share satisfied: «Hài lòng» and «Rất hài lòng» answers over all answers (after "
        "cases and at the desk). A ward with fewer than 10 answers is not ranked.",
    ),
    "web_rank": ("Hạng", "Rank"),
    "web_ward_name": ("Phường/xã", "Ward"),
    "web_ward_kind": ("Loại", "Kind"),
    "web_share": ("Hài lòng", "Satisfied"),
    "web_share_before": ("Kỳ trước", "Period before"),
    "web_answers": ("Số câu trả lời", "Answers"),
    "web_response_rate": ("Tỉ lệ phản hồi (hồ sơ)", "Response rate (cases)"),
    "web_too_few": ("ít dữ liệu", "too few"),
    "web_ward_removed": ("đã bỏ", "removed"),
    "web_no_wards": ("Chưa có phường/xã nào.", "No ward yet."),
    "web_link_cases": ("Hồ sơ", "Cases"),
    "web_link_book": ("Sổ góp ý", "Book"),
    "web_link_figures": ("Số liệu", "Figures"),
    "web_ward_facts": (
        "Mã {code} · {kind} · hạn trả lời góp ý {days} ngày",
        "Code {code} · {kind} · answer deadline {days} days",
    ),
    "web_leaders": ("Lãnh đạo", "Leaders"),
    "web_leader_name": ("Họ tên", "Name"),
    "web_leader_title": ("Chức danh", "Title"),
    "web_platform": ("Ứng dụng chat", "Chat app"),
    "web_since": ("Từ ngày", "Since"),
    "web_no_leaders": ("Phường/xã chưa có lãnh đạo nào trên bot.", "No leader on the bot yet."),
    "web_remove_leader_of": ("Thôi lãnh đạo: {name}", "Remove leader: {name}"),
    "web_remove_leader_ask": ("Thôi vai trò lãnh đạo của {name}?", "Remove {name} as a leader?"),
    "web_remove_leader_explain": (
        "Người này mất quyền với sổ góp ý của phường/xã ngay lập tức, kể cả các nút cũ "
        "trong chat và trang quản lý. Những chữ ký đã có vẫn giữ nguyên.",
        "They lose the ward's book at once, old chat buttons and console included. "
        "Their signatures stay.",
    ),
    "web_remove_leader": ("Thôi lãnh đạo", "Remove the leader"),
    "web_leader_removed": ("Đã thôi vai trò lãnh đạo của {name}.", "{name} is no longer a leader."),
    "web_invites": ("Lời mời chưa dùng", "Invites not used yet"),
    "web_no_invites": ("Không có lời mời nào đang chờ.", "No invite waiting."),
    "web_revoke_invite": ("Thu hồi", "Revoke"),
    "web_revoke_invite_of": ("Thu hồi lời mời tạo lúc {made}", "Revoke the invite made {made}"),
    "web_invite_revoked": ("Đã thu hồi lời mời.", "Invite revoked."),
    "web_new_invite": ("Mời lãnh đạo", "Invite a leader"),
    "web_invite_name": (
        "Họ tên chính thức (không bắt buộc: hỏi khi nhận lời mời)",
        "Official name (optional: asked when joining)",
    ),
    "web_invite_title": (
        "Chức danh (không bắt buộc), ví dụ Chủ tịch UBND phường",
        "Title (optional), e.g. Chủ tịch UBND phường",
    ),
    "web_invite_days": ("Hiệu lực (ngày, 1-90)", "Valid for (days, 1-90)"),
    "web_bad_days": ("Hiệu lực là số ngày từ 1 đến 90", "Valid for: a number of days, 1 to 90"),
    "web_make_invite": ("Tạo link mời", "Make the invite link"),
    "web_invite_made": ("Link mời lãnh đạo (dùng một lần)", "Leader invite link (one use)"),
    "web_invite_scan": (
        "Người được mời quét mã QR bằng điện thoại, hoặc mở link dưới đây trong Telegram.",
        "The leader scans the QR code with a phone, or opens the link below in Telegram.",
    ),
    "web_invite_qr_alt": (
        "Mã QR mời làm lãnh đạo {ward} trên bot",
        "QR code inviting a leader of {ward} to the bot",
    ),
    "web_invite_until": ("Hiệu lực đến {when}.", "Valid until {when}."),
    "web_keys": ("Khoá API", "API keys"),
    "web_key_list": ("Các khoá", "Keys"),
    "web_key_id": ("Số", "Id"),
    "web_key_prefix": ("Đầu khoá", "Prefix"),
    "web_key_scope": ("Phạm vi", "Scope"),
    "web_key_name": ("Tên gợi nhớ", "Name"),
    "web_no_keys": ("Chưa có khoá nào.", "No key yet."),
    "web_key_revoked_at": ("Đã thu hồi lúc {when}", "Revoked {when}"),
    "web_revoke_key_of": ("Thu hồi khoá {prefix}…", "Revoke key {prefix}…"),
    "web_revoke_key_ask": ("Thu hồi khoá {prefix}… ({scope})?", "Revoke key {prefix}… ({scope})?"),
    "web_revoke_key_explain": (
        "Phần mềm đang dùng khoá này bị từ chối ngay lập tức và không dùng lại được.",
        "Software using this key is refused at once, for good.",
    ),
    "web_revoke_key": ("Thu hồi khoá", "Revoke the key"),
    "web_key_revoked": ("Đã thu hồi khoá {prefix}….", "Key {prefix}… revoked."),
    "web_new_key": ("Tạo khoá mới", "New key"),
    "web_key_scope_missing": (
        "Chọn phạm vi của khoá: một phường/xã hoặc toàn thành phố",
        "Choose the key's scope: one ward or the whole city",
    ),
    "web_make_key": ("Tạo khoá", "Make the key"),
    "web_key_made": ("Khoá mới ({scope})", "New key ({scope})"),
    "web_key_once": (
        "Chép khoá này ngay vào phần mềm một cửa: khoá chỉ hiện một lần này.",
        "Copy this key into the one-stop software now: it is shown this once only.",
    ),
    "web_broadcasts": ("Gửi khảo sát", "Broadcasts"),
    "web_broadcast_list": ("Các đợt gửi gần đây", "Recent broadcasts"),
    "web_broadcast_id": ("Đợt", "Broadcast"),
    "web_broadcast_no": ("Đợt gửi số {id}", "Broadcast {id}"),
    "web_survey": ("Khảo sát", "Survey"),
    "web_sent_of": ("Đã gửi / tổng", "Sent / total"),
    "web_no_broadcasts": ("Chưa có đợt gửi nào.", "No broadcast yet."),
    "web_new_broadcast": ("Gửi khảo sát mới", "New broadcast"),
    "web_broadcast_wards": (
        "Phường/xã (không chọn: toàn thành phố)",
        "Wards (none chosen: the whole city)",
    ),
    "web_broadcast_at": ("Giờ gửi (để trống: gửi ngay)", "Time (empty: now)"),
    "web_send_broadcast": ("Tạo đợt gửi", "Create the broadcast"),
    "web_broadcast_times": (
        "Tạo lúc {made} · hẹn {at} · bắt đầu {started} · kết thúc {finished}",
        "Made {made} · due {at} · started {started} · finished {finished}",
    ),
    "web_progress": ("Tiến độ", "Progress"),
    "web_sent": ("Đã gửi", "Sent"),
    "web_failed": ("Lỗi", "Failed"),
    "web_blocked": ("Đã chặn bot", "Blocked the bot"),
    "web_skipped": ("Bỏ qua", "Skipped"),
    "web_pending": ("Còn lại", "Pending"),
    "web_answered": ("Đã trả lời khảo sát", "Answered"),
    "web_reload": ("Tải lại số liệu", "Reload the numbers"),
    "web_pause": ("Tạm dừng", "Pause"),
    "web_resume": ("Tiếp tục gửi", "Resume"),
    "web_cancel_broadcast_link": ("Huỷ đợt gửi…", "Cancel the broadcast…"),
    "web_cancel_broadcast_ask": ("Huỷ đợt gửi số {id}?", "Cancel broadcast {id}?"),
    "web_cancel_broadcast_explain": (
        "Đã gửi {sent} tin (vẫn giữ); {pending} người còn lại sẽ không nhận. "
        "Đợt gửi đã huỷ không tiếp tục lại được.",
        "{sent} sent (they stay sent); the {pending} left will get nothing. "
        "A cancelled broadcast cannot be taken up again.",
    ),
    "web_cancel_broadcast": ("Huỷ đợt gửi", "Cancel the broadcast"),
    "web_broadcast_paused": ("Đã tạm dừng đợt gửi.", "Broadcast paused."),
    "web_broadcast_resumed": ("Đã cho gửi tiếp.", "Broadcast resumed."),
    "web_broadcast_cancelled": ("Đã huỷ đợt gửi.", "Broadcast cancelled."),
    "broadcast_not_pausable": (
        "Đợt gửi {id} không tạm dừng được: {state}",
        "Broadcast {id} cannot be paused: {state}",
    ),
    "broadcast_not_paused": (
        "Đợt gửi {id} không ở trạng thái tạm dừng: {state}",
        "Broadcast {id} is not paused: {state}",
    ),
    # ---- end of the console's admin pages ----
    "web_city": ("Toàn thành phố", "The whole city"),
    "web_ward": ("Phường/xã: {ward}", "Ward: {ward}"),
    "web_forbidden": ("Không được phép", "Forbidden"),
    "web_not_found": ("Không tìm thấy", "Not found"),
    "web_bad_input": ("Dữ liệu gửi lên không hợp lệ", "The data sent is not valid"),
    "web_bad_field": (
        "Giá trị ở trường «{field}» không hợp lệ: xin kiểm tra lại",
        "The value of field «{field}» is not valid: please check it",
    ),
    "web_bad_body": (
        "Không đọc được dữ liệu của biểu mẫu: xin mở lại trang và gửi lại",
        "The form's data cannot be read: please open the page again and resend",
    ),
    "web_error": ("Có lỗi xảy ra", "Something went wrong"),
    "web_home": ("← Trang đầu", "← Home"),
    "web_ward_cases": ("Hồ sơ một cửa của phường/xã", "The ward's one-stop cases"),
    "web_new_case": ("Đăng ký hồ sơ", "Register a case"),
    "web_case_code": ("Mã hồ sơ", "Case code"),
    "web_procedure": ("Thủ tục", "Procedure"),
    "web_desk": ("Quầy số (không bắt buộc)", "Desk number (optional)"),
    "web_register": ("Đăng ký và in phiếu", "Register and print the slip"),
    "web_case_made": ("Đã đăng ký hồ sơ {code}.", "Case {code} registered."),
    "web_receipt": ("In phiếu", "Print the slip"),
    "web_cases": ("Hồ sơ gần đây", "Recent cases"),
    "web_no_cases": ("Chưa có hồ sơ nào.", "No case yet."),
    "web_pick": ("Chọn", "Pick"),
    "web_registered": ("Đăng ký lúc", "Registered"),
    "web_status": ("Tình trạng", "Status"),
    "web_status_registered": ("Chưa liên kết chat", "Not linked to a chat"),
    "web_status_linked": ("Đã liên kết chat", "Linked to a chat"),
    "web_status_done": ("Đã trả kết quả", "Returned"),
    "web_status_asked": ("Đã mời đánh giá", "Survey sent"),
    "web_status_answered": ("Đã đánh giá", "Answered"),
    "web_mark_done": ("Đánh dấu đã trả kết quả", "Mark returned"),
    "web_marked_done": ("Đã đánh dấu trả kết quả: {count} hồ sơ.", "Marked returned: {count}."),
    "web_bad_desk": ("Quầy số là một số từ 1 đến 999", "The desk is a number from 1 to 999"),
    "web_import": ("Nhập tệp xuất từ phần mềm một cửa", "Import the one-stop software's export"),
    "web_import_file": ("Tệp .xlsx hoặc .csv", "An .xlsx or .csv file"),
    "web_import_done": (
        "Đánh dấu mọi hồ sơ trong tệp là đã trả kết quả",
        "Mark every case in the file as returned",
    ),
    "web_import_send": ("Nhập", "Import"),
    "web_imported": ("Kết quả nhập tệp", "Import summary"),
    "web_poster": ("In áp phích quầy (A4)", "Print the desk poster (A4)"),
    "poster_title": ("Áp phích quầy - {ward}", "Desk poster - {ward}"),
    "poster_heading": ("ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG", "RATE OUR SERVICE"),
    "poster_desk": ("Quầy {desk}", "Desk {desk}"),
    "poster_code": ("Mã số: {code}", "Code: {code}"),
    "poster_line_1": (
        "1. Quét mã QR bằng điện thoại để mở Sổ góp ý trên Telegram.",
        "1. Scan the QR code with your phone to open Sổ góp ý on Telegram.",
    ),
    "poster_line_2": (
        "2. Hoặc mở Zalo, gửi mã số trên tới Sổ góp ý của phường.",
        "2. Or open Zalo and send the code above to the ward's Sổ góp ý.",
    ),
    "poster_line_3": (
        "3. Trả lời vài câu hỏi và góp ý: lãnh đạo phường đọc từng ý kiến.",
        "3. Answer a few questions and leave a suggestion: the ward's leaders read each one.",
    ),
    # the monthly archive (issue 13): the book of a month as a PDF to print and file
    "archive_title": ("Sổ góp ý lưu tháng {month} - {ward}", "Suggestion book, {month} - {ward}"),
    "archive_heading": ("SỔ GÓP Ý", "SUGGESTION BOOK"),
    "archive_subheading": (
        "Phiếu góp ý của công dân — bản lưu hằng tháng",
        "Citizens' suggestions — the monthly archive",
    ),
    "archive_month": ("Tháng {month}", "Month {month}"),
    "archive_count": ("Số phiếu góp ý trong tháng: {count}", "Suggestions this month: {count}"),
    "archive_range": ("Từ trang {first} đến trang {last}", "From page {first} to page {last}"),
    "archive_none": ("Tháng này không có góp ý nào.", "No suggestion this month."),
    "archive_made": ("In lúc {time} (giờ {zone})", "Printed {time} ({zone} time)"),
    "archive_footer": (
        "Sổ góp ý — {ward} — tháng {month} — tờ {sheet}/{total}",
        "Suggestion book — {ward} — {month} — sheet {sheet}/{total}",
    ),
    "archive_continued": ("Trang {page} (tiếp)", "Page {page} (continued)"),
    "archive_time": ("Thời gian: {time}", "Written: {time}"),
    "archive_status": ("Tình trạng: {status}", "Status: {status}"),
    "archive_case": ("Hồ sơ: {code} — {procedure}", "Case: {code} — {procedure}"),
    "archive_author": ("Người viết: {author}", "Author: {author}"),
    "archive_text": ("Nội dung góp ý:", "The suggestion:"),
    "archive_photo_kept": (
        "Ảnh kèm theo được lưu trong cuộc trò chuyện trên {platform}; không tải được lúc in sổ.",
        "The attached photo is kept in the {platform} chat; it could not be fetched for print.",
    ),
    "archive_seen": ("Đã xem — {name} — {time}", "Đã xem (seen) — {name} — {time}"),
    "archive_not_seen": ("Chưa có lãnh đạo ký «Đã xem».", "No leader has signed «Đã xem» yet."),
    "archive_answer": ("Trả lời — {name} — {time}", "Answer — {name} — {time}"),
    "archive_closed": (
        "Đã đóng, không cần trả lời — {name} — {time}",
        "Closed, no answer needed — {name} — {time}",
    ),
    "archive_no_answer": ("Chưa trả lời.", "Not answered yet."),
    "archive_bad_month": (
        "Tháng «{value}» không đọc được: ghi YYYY-MM, ví dụ 2026-11",
        "Cannot read the month «{value}»: write YYYY-MM, e.g. 2026-11",
    ),
    "archive_not_allowed": (
        "Chỉ lãnh đạo phường/xã và quản trị viên in sổ lưu",
        "Only the ward's leaders and admins print the archive",
    ),
    "web_archive": ("In sổ lưu tháng (PDF)", "Print the month's archive (PDF)"),
    "web_archive_month": ("Tháng cần in", "Month to print"),
    "help_export_archive": (
        "Sổ góp ý của một tháng thành tệp PDF để in và lưu: bìa, mỗi góp ý một trang.",
        "A month of the book as a PDF to print and file: a cover, one page per suggestion.",
    ),
    "help_month": ("tháng cần in, YYYY-MM (ví dụ 2026-11)", "the month, YYYY-MM (e.g. 2026-11)"),
    "help_output_pdf": (
        "tệp PDF để ghi (- là màn hình); không có thì so-gop-y-MÃ-THÁNG.pdf",
        "the PDF file to write (- for stdout); so-gop-y-CODE-MONTH.pdf without it",
    ),
    "cli_archive_written": (
        "Đã ghi sổ lưu tháng {month} của {code}: {count} trang góp ý, {sheets} tờ, vào {file}",
        "Wrote {code}'s archive of {month}: {count} suggestions, {sheets} sheets, to {file}",
    ),
    "cli_archive_photos": (
        "{count} ảnh không tải được từ chat: trang sổ ghi rõ ảnh được lưu ở đâu",
        "{count} photos could not be fetched from the chat: their pages say where they are kept",
    ),
    "web_book": ("Sổ góp ý của phường/xã", "The ward's suggestion book"),
    "web_book_of": ("Sổ góp ý — {ward}", "Suggestion book — {ward}"),
    "web_all": ("Tất cả", "All"),
    "web_search": ("Có chữ", "Containing"),
    "web_order": ("Thứ tự", "Order"),
    "web_newest": ("Mới nhất trước", "Newest first"),
    "web_oldest": ("Cũ nhất trước", "Oldest first"),
    "web_filter": ("Lọc", "Filter"),
    "web_page_no": ("Trang {page}", "Page {page}"),
    "web_page_unread": ("Chưa xem", "Unread"),
    "web_page_seen": ("Đã xem", "Seen"),
    "web_page_answered": ("Đã trả lời", "Answered"),
    "web_page_overdue": ("Quá hạn", "Overdue"),
    "web_page_closed": ("Đã đóng", "Closed"),
    "web_has_photo": ("Ảnh công dân gửi kèm", "The citizen's photo"),
    "web_page_photo_alt": (
        "Ảnh kèm trang {page} (nếu không hiện: ảnh chỉ còn trong cuộc trò chuyện)",
        "The photo of page {page} (if it does not show: it is only in the chat now)",
    ),
    "web_photo_in_chat": (
        "Ảnh: không lấy lại được từ cuộc trò chuyện",
        "The photo: it could not be fetched back from the chat",
    ),
    "web_author": ("Người viết", "Author"),
    "web_answer": ("Trả lời", "Answer"),
    "web_no_pages": ("Không có trang nào.", "No page."),
    "web_sign": ("Đã xem — ký trang {page}", "Đã xem — sign page {page}"),
    "web_signed": ("Đã ký «Đã xem» trang {page}: {name}", "Signed page {page}: {name}"),
    "sign_not_allowed": (
        "Chỉ lãnh đạo phường/xã ký «Đã xem»",
        "Only the ward's leaders sign «Đã xem»",
    ),
    "no_page": ("Không có trang {page} trong sổ", "No page {page} in the book"),
    "web_chat_login": ("Đăng nhập trang quản lý với tên {name}", "Log in to the console as {name}"),
    # the web console's «Trả lời» and «Không cần trả lời» (issue 13, webanswer)
    "answer_not_allowed": (
        "Chỉ lãnh đạo phường/xã trả lời hoặc đóng trang góp ý",
        "Only the ward's leaders answer or close a page",
    ),
    "web_already_answered": (
        "Trang này đã được trả lời hoặc đã đóng",
        "This page has been answered or closed already",
    ),
    "web_answer_page": ("Trả lời trang {page}", "Answer page {page}"),
    "web_answer_text": ("Câu trả lời cho công dân", "The answer to the citizen"),
    "web_answer_hint": (
        "Công dân nhận được nguyên văn. Có thể kèm một ảnh làm bằng chứng.",
        "The citizen receives it word for word. A photo may go with it as evidence.",
    ),
    "web_answer_photo": ("Ảnh kèm theo (JPEG hoặc PNG)", "Photo (JPEG or PNG)"),
    "web_answer_photo_kept": ("Ảnh đã chọn", "The photo chosen"),
    "web_answer_photo_drop": ("Bỏ ảnh này", "Remove this photo"),
    "web_answer_see": ("Xem trước", "Preview"),
    "web_answer_preview": (
        "Xem trước: công dân sẽ nhận đúng như dưới đây. Chưa gửi gì cho tới khi bấm «Gửi».",
        "Preview: the citizen will get exactly what follows. Nothing is sent until «Gửi».",
    ),
    "web_answer_send": ("Gửi", "Gửi (send)"),
    "web_answer_edit": ("Sửa lại", "Sửa lại (edit)"),
    "web_answer_cancel": ("Huỷ", "Huỷ (cancel)"),
    "web_answer_button": ("Trả lời trang {page}", "Answer page {page}"),
    "web_close_button": (
        "Không cần trả lời — đóng trang {page}",
        "No answer needed — close page {page}",
    ),
    "web_answer_empty": (
        "Câu trả lời: còn trống; xin gõ vài chữ hoặc chọn một ảnh",
        "The answer: empty; please type a few words or choose a photo",
    ),
    "web_answer_long": (
        "Câu trả lời: dài quá {limit} ký tự; xin viết gọn lại",
        "The answer: longer than {limit} characters; please shorten it",
    ),
    "web_photo_bad": (
        "Ảnh kèm theo: chỉ nhận ảnh JPEG hoặc PNG; xin chọn ảnh khác",
        "The photo: only JPEG or PNG pictures are taken; please choose another",
    ),
    "web_photo_big": (
        "Ảnh kèm theo: lớn quá {size} MB; xin chọn ảnh nhỏ hơn",
        "The photo: larger than {size} MB; please choose a smaller one",
    ),
    "web_photo_gone": (
        "Ảnh kèm theo: không còn ảnh này; xin chọn lại",
        "The photo: it is no longer here; please choose it again",
    ),
    "web_answer_photo_alt": (
        "Ảnh kèm câu trả lời trang {page}",
        "The photo of page {page}'s answer",
    ),
    "web_zalo_no_photo": (
        "Công dân dùng Zalo: ảnh chỉ tới được khi đã đặt SOGOPY_PUBLIC_URL",
        "The citizen is on Zalo: the photo reaches them only with SOGOPY_PUBLIC_URL set",
    ),
    # the console's figures page and its xlsx downloads (issue 13, webfigures)
    "web_figures": ("Mức độ hài lòng (số liệu SIPAS)", "Satisfaction figures (SIPAS)"),
    "web_figures_of": ("Mức độ hài lòng — {ward}", "Satisfaction — {ward}"),
    "web_figures_clerk": (
        "Số liệu mức độ hài lòng dành cho lãnh đạo và quản trị viên",
        "The satisfaction figures are for leaders and admins",
    ),
    "web_figures_period": ("Kỳ báo cáo", "Period"),
    "web_period_unit": ("Xem theo", "By"),
    "web_unit_month": ("Tháng", "Month"),
    "web_unit_quarter": ("Quý", "Quarter"),
    "web_unit_year": ("Năm", "Year"),
    "web_period_year": ("Năm", "Year"),
    "web_period_month": ("Tháng (khi xem theo tháng)", "Month (when by month)"),
    "web_period_quarter": ("Quý (khi xem theo quý)", "Quarter (when by quarter)"),
    "web_period_show": ("Xem", "Show"),
    "web_month_of": ("Tháng {month}/{year}", "{month}/{year}"),
    "web_year_of": ("Năm {year}", "Year {year}"),
    "web_period_days": ("{period}: {first} – {last}", "{period}: {first} – {last}"),
    "web_previous_period": ("← Kỳ trước", "← Previous period"),
    "web_next_period": ("Kỳ sau →", "Next period →"),
    "web_compared_with": (
        "So với kỳ trước: {first} – {last}",
        "Against the period before: {first} – {last}",
    ),
    "web_response": ("Tỉ lệ phản hồi", "Response rate"),
    "web_figures_rate": (
        "{rate}{few}: {answered}/{done} hồ sơ đã trả kết quả có đánh giá",
        "{rate}{few}: {answered}/{done} returned cases were answered",
    ),
    "web_walkin_answers": (
        "Câu trả lời tại quầy (tính riêng, không vào tỉ lệ phản hồi): {count}",
        "Walk-in answers (apart, not in the response rate): {count}",
    ),
    "web_no_opinion_count": (
        "«Chưa có ý kiến»: {count} câu (không tính vào tỉ lệ hài lòng)",
        "«No opinion yet»: {count} answers (not in the share)",
    ),
    "web_satisfied_note": (
        "Hài lòng = mức 4 «Hài lòng» hoặc mức 5 «Rất hài lòng»; "
        "dưới {count} câu trả lời là ít dữ liệu.",
        "Satisfied = level 4 or 5; under {count} answers is too few to judge.",
    ),
    "web_table_element": ("Theo yếu tố SIPAS", "By SIPAS element"),
    "web_table_procedure": ("Theo thủ tục", "By procedure"),
    "web_table_desk": ("Theo quầy", "By desk"),
    "web_table_month": ("Theo tháng trong năm {year}", "Month by month in {year}"),
    "web_table_month_before": (
        "Kỳ trước: cùng tháng năm {year}",
        "Previous period: the same month of {year}",
    ),
    "web_chart_alt": (
        "Biểu đồ tỉ lệ hài lòng theo {by}, {scope}, {first} – {last}: chung {overall}; "
        "số liệu chi tiết ở bảng bên trên",
        "Chart of the share satisfied by {by}, {scope}, {first} – {last}: overall {overall}; "
        "the table above gives every figure",
    ),
    "web_chart_none": ("chưa có câu trả lời", "no answers yet"),
    "web_chart_share": ("{share} trên {answers} câu trả lời", "{share} of {answers} answers"),
    "web_download_figures": ("Tải bảng này (Excel .xlsx)", "Download this table (Excel .xlsx)"),
    "web_download_book": ("Tải sổ góp ý (Excel .xlsx)", "Download the book (Excel .xlsx)"),
    "web_no_rows": ("Chưa có câu trả lời trong kỳ.", "No answers in the period."),
    # case import (sogopy case import): the summary and why a row is refused
    "import_new": ("Hồ sơ mới", "New cases"),
    "import_done": ("Đã trả kết quả", "Marked done"),
    "import_unchanged": ("Không đổi", "Unchanged"),
    "import_refused": ("Bị từ chối", "Refused"),
    "import_row": ("Dòng {row}: {why}", "Row {row}: {why}"),
    "import_no_column": (
        "Không thấy cột «{column}» trong tệp (có: {headers}); chỉ rõ bằng --column {name}=TÊN_CỘT",
        "No «{column}» column in the file (found: {headers}); name it with --column {name}=HEADER",
    ),
    "import_bad_mapping": (
        "--column «{value}»: ghi TÊN=TIÊU_ĐỀ, TÊN là một trong {names}",
        "--column «{value}»: use NAME=HEADER, NAME one of {names}",
    ),
    "import_bad_file": ("Không đọc được tệp {file}: {why}", "Cannot read {file}: {why}"),
    "import_bad_kind": (
        "Tệp {file}: chỉ nhận tệp .xlsx hoặc .csv",
        "{file}: only .xlsx or .csv files are read",
    ),
    "import_no_code": ("thiếu mã hồ sơ", "no case code"),
    "import_no_procedure": ("thiếu tên thủ tục", "no procedure"),
    "import_bad_date": ("ngày «{value}» không đọc được", "cannot read the date «{value}»"),
    "import_repeated": ("mã hồ sơ {code} lặp lại dòng {first}", "case {code} repeats row {first}"),
    # webbench: the console's book, a screen at a time
    "web_later": ("Trang sau »", "Next »"),
    "web_earlier": ("« Trang trước", "« Previous"),
    "web_book_turn": ("Chuyển trang sổ", "Turn the book's screens"),
}


def office_text(key: str, language: str = "vi", **values: object) -> str:
    """An office error's one line in `language` (plain text: nothing is escaped)."""
    return OFFICE_TEXTS[key][_index(language)].format(**values)
