"""Nothing a person types is lost: text or a photo sent outside the expected step is kept.

Mid-survey it becomes the run's draft suggestion and is offered when the ratings are
done; outside any flow it is offered at once to the person's ward. The signing buttons
(`SIGN`) serve both the usual suggestion and these offers; the survey and the
suggestion modules both use what is here, so it sits apart from them.
"""

from handlers.catalogue import say, shorten
from handlers.events import Choice, Incoming, Kind, Reply
from storage.models import Draft

SIGN = "g"  # g:<draft>:<action>
SIGNED, ANONYMOUS, SEND, MORE, DROP = "1", "0", "s", "m", "n"
PREVIEW = 300


def worth_keeping(event: Incoming) -> bool:
    """Text or a photo, except a bare number typed where choices are numbered (Zalo): that
    is a choice that matched none, to be asked again, never words of a suggestion."""
    if event.kind == Kind.PHOTO:
        return True
    stray = event.numbered and event.text.strip().rstrip(".").isdigit()
    return event.kind == Kind.TEXT and bool(event.text.strip()) and not stray


def add_to(draft: Draft, event: Incoming) -> None:
    """Append the event's text (a caption too) to the draft; a photo replaces the last one."""
    if event.text.strip():
        draft.text = f"{draft.text}\n{event.text}" if draft.text else event.text
    if event.photo:
        draft.photo_file_id = event.photo


def preview(language: str, draft: Draft) -> str:
    return shorten(draft.text, PREVIEW) if draft.text else say(language, "photo_only")


def _button(language: str, key: str, draft: Draft, action: str) -> Choice:
    return Choice(say(language, key), f"{SIGN}:{draft.id}:{action}")


def offer_kept(language: str, draft: Draft) -> Reply:
    """After the ratings, instead of the empty prompt: send what was typed, add more, or not."""
    choices = (
        _button(language, "btn_send_draft", draft, SEND),
        _button(language, "btn_write_more", draft, MORE),
        _button(language, "btn_not_send", draft, DROP),
    )
    return Reply(say(language, "offer_draft", preview=preview(language, draft)), choices)


def offer_message(language: str, draft: Draft, ward_name: str, user_name: str) -> Reply:
    """A message typed outside any flow: file it at once, with the name or not, or drop it."""
    text = say(
        language,
        "offer_text",
        ward=ward_name,
        preview=preview(language, draft),
        name=user_name or "?",
    )
    choices = (
        _button(language, "btn_sign", draft, SIGNED),
        _button(language, "btn_anonymous", draft, ANONYMOUS),
        _button(language, "btn_not_send", draft, DROP),
    )
    return Reply(text, choices, columns=2)
