"""Choices in chats without buttons (Zalo): shown as numbered lines, answered by typing.

The transport keeps the choices last shown to a person (`Person.choices`); here a
typed answer, its number or its label's words with or without diacritics, becomes
the choice it names, in the same transaction as the rest of the event. A number that
names none of them is asked again, never taken as words (a suggestion that read
"Đèn đường ngõ 5 hỏng\n3").
"""

import json
from dataclasses import replace

from handlers.catalogue import say
from handlers.events import Choice, Incoming, Kind, Reply
from storage.codes import typed_code
from storage.models import Person
from storage.text import fold


def stored(choices: tuple[Choice, ...]) -> str | None:
    """The form `Person.choices` keeps: what each number means."""
    return json.dumps([[c.label, c.data] for c in choices]) if choices else None


def match_choice(text: str, choices: list[list[str]]) -> str | None:
    """The data of the choice a typed answer means: its number, or its label's words."""
    answer = text.strip().rstrip(".")
    if answer.isdigit():
        number = int(answer)
        return choices[number - 1][1] if 1 <= number <= len(choices) else None
    wanted = fold(answer)
    matches = [data for label, data in choices if wanted and fold(label) == wanted]
    return matches[0] if len(matches) == 1 else None


def as_choice(event: Incoming, person: Person) -> Incoming:
    """A typed answer to the numbered choices last shown, as the choice; else unchanged."""
    if event.kind != Kind.TEXT or not event.numbered or not person.choices:
        return event
    data = match_choice(event.text, json.loads(person.choices))
    return event if data is None else replace(event, kind=Kind.CHOICE, choice=data, text="")


def not_offered(event: Incoming, person: Person) -> Reply | None:
    """A typed number that none of the choices shown has: the choices again, kindly."""
    if event.kind != Kind.TEXT or not event.numbered or not person.choices:
        return None
    answer = event.text.strip().rstrip(".")
    if not (answer.isascii() and answer.isdigit()) or typed_code(answer):
        return None  # words, or a desk's or case's six-digit code: routed on
    shown = tuple(Choice(label, data) for label, data in json.loads(person.choices))
    return Reply(say(person.language, "number_not_offered", number=answer), shown)
