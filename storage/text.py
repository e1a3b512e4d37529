"""What a text column takes: no NUL, valid UTF-8, no more characters than it holds.

Names come from platforms that allow any length (Zalo display names) or more than
the column once emoji and accents are counted; they are cut here by characters, never
between a letter and its accents or inside an emoji sequence.
"""

import unicodedata

NAME_LENGTH = 200  # person.name, leadership.name, bookpage.*_name
_JOINING = frozenset("\u200d\ufe0e\ufe0f")  # zero-width joiner, variation selectors


def storable(value: str) -> str:
    """The string without NUL characters, lone surrogates replaced: what every database takes."""
    try:
        value.encode()
    except UnicodeEncodeError:
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value.replace("\x00", "")


def _continues(char: str) -> bool:
    """A character that belongs to the one before it (an accent, a joiner, a skin tone)."""
    return (
        bool(unicodedata.combining(char))
        or char in _JOINING
        or "\U0001f3fb" <= char <= "\U0001f3ff"
    )


def clip(value: str, limit: int = NAME_LENGTH) -> str:
    """At most `limit` characters, cut before a whole letter or emoji rather than inside one."""
    if len(value) <= limit:
        return value
    cut = limit
    while cut > 0 and (_continues(value[cut]) or value[cut - 1] == "\u200d"):
        cut -= 1
    return value[:cut]


def fold(text: str) -> str:
    """Lower case without diacritics, emoji or punctuation: "Rất hài lòng" → "rat hai long".

    How people type Vietnamese when they are in a hurry, so a typed answer, a ward's name
    or a search matches the words however they were accented.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    kept = "".join(c if c.isalnum() and c.isascii() else " " for c in bare)
    return " ".join(kept.split())
