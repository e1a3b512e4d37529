"""Survey files: loading, validation and the library the bot asks from.

A survey is a YAML file (see `surveys/sipas.yaml`). Question codes and the scale's
levels are stable codes; labels may change. A broken file is refused with a message
naming the file, the line and the field.
"""

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from handlers.catalogue import ELEMENTS, LANGUAGES
from storage.models import NO_OPINION, Source

PACKAGED = Path(__file__).parent / "surveys"
DEFAULT_KEY = "sipas"
SCALES = {"sipas5": (1, 2, 3, 4, 5)}
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,31}$")
MAX_TITLE = 200
MAX_QUESTION = 1000  # leaves room in Telegram's 4096 characters for the answered lines


class SurveyError(ValueError):
    """A survey file that cannot be used; the message names file, line and field."""


@dataclass(frozen=True)
class Question:
    code: str
    element: str
    text: dict[str, str]
    # the sources (walkin, case, broadcast) whose people can answer it; empty: everyone.
    # A walk-in visitor has no result yet and may never have complained.
    applies_to: tuple[str, ...] = ()

    def asked_in(self, source: str) -> bool:
        return not self.applies_to or source in self.applies_to


@dataclass(frozen=True)
class Survey:
    key: str
    version: int
    title: dict[str, str]
    scale: str
    questions: tuple[Question, ...]

    @property
    def levels(self) -> tuple[int, ...]:
        return SCALES[self.scale]

    @property
    def choices(self) -> tuple[int, ...]:
        """What every question offers: the scale's levels, then «Chưa có ý kiến»."""
        return (*self.levels, NO_OPINION)

    def asked(self, source: str) -> tuple[int, ...]:
        """The indices of the questions a run of this source asks, in order."""
        return tuple(i for i, q in enumerate(self.questions) if q.asked_in(source))

    def to_json(self) -> str:
        data = asdict(self)
        for question in data["questions"]:  # files without it keep their stored hash
            if not question["applies_to"]:
                del question["applies_to"]
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    @classmethod
    def from_json(cls, text: str) -> "Survey":
        data = json.loads(text)
        questions = tuple(
            Question(**{**q, "applies_to": tuple(q.get("applies_to", ()))})
            for q in data.pop("questions")
        )
        return cls(questions=questions, **data)


def _line_of(node: yaml.Node | None, path: tuple[str | int, ...]) -> int | None:
    """The 1-based line of the value at `path` in the composed YAML, or its nearest parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            node = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step] if step < len(node.value) else None
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


class _Checker:
    """Validates one parsed file, turning the first problem into a `SurveyError`."""

    def __init__(self, name: str, root: yaml.Node | None) -> None:
        self.name = name
        self.root = root

    def fail(self, path: tuple[str | int, ...], message: str) -> SurveyError:
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        line = _line_of(self.root, path)
        where = f"{self.name}:{line}" if line else self.name
        return SurveyError(f"{where}: {field or 'file'}: {message}")

    def text(self, value: Any, path: tuple[str | int, ...], limit: int) -> dict[str, str]:
        if isinstance(value, str):
            value = {"vi": value}
        if not isinstance(value, dict) or not isinstance(value.get("vi"), str):
            raise self.fail(path, "needs a Vietnamese text under 'vi'")
        for language, text in value.items():
            if language not in LANGUAGES:
                raise self.fail((*path, language), f"unknown language (use {', '.join(LANGUAGES)})")
            if not isinstance(text, str) or not text.strip():
                raise self.fail((*path, language), "must be non-empty text")
            if len(text) > limit:
                raise self.fail((*path, language), f"is {len(text)} characters, over {limit}")
        return {language: text.strip() for language, text in value.items()}

    def sources(self, value: Any, path: tuple[str | int, ...]) -> tuple[str, ...]:
        """`applies_to`: absent (everyone), or a non-empty list of distinct survey sources."""
        if value is None:
            return ()
        known = ", ".join(Source)
        if not isinstance(value, list) or not value:
            raise self.fail(path, f"must be a list of sources (known: {known})")
        for index, source in enumerate(value):
            if source not in tuple(Source):
                raise self.fail((*path, index), f"unknown source (known: {known})")
        if len(set(value)) != len(value):
            raise self.fail(path, "names a source twice")
        return tuple(value)

    def survey(self, data: Any) -> Survey:
        if not isinstance(data, dict):
            raise self.fail((), "must be a mapping with key, version, title, scale, questions")
        for name in ("key", "version", "title", "scale", "questions"):
            if name not in data:
                raise self.fail((), f"missing field '{name}'")
        key, version = data["key"], data["version"]
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise self.fail(("key",), "use 1-40 lower-case letters, digits, '-' or '_'")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self.fail(("version",), "must be a whole number from 1")
        if data["scale"] not in SCALES:
            raise self.fail(("scale",), f"unknown scale (known: {', '.join(SCALES)})")
        questions = data["questions"]
        if not isinstance(questions, list) or not questions:
            raise self.fail(("questions",), "needs at least one question")
        seen: set[str] = set()
        parsed = []
        for index, item in enumerate(questions):
            path: tuple[str | int, ...] = ("questions", index)
            if not isinstance(item, dict):
                raise self.fail(path, "must be a mapping with code, element, text")
            for name in ("code", "element", "text"):
                if name not in item:
                    raise self.fail(path, f"missing field '{name}'")
            code = item["code"]
            if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
                raise self.fail((*path, "code"), "use 1-32 lower-case letters, digits or '_'")
            if code in seen:
                raise self.fail((*path, "code"), f"duplicate code '{code}'")
            seen.add(code)
            if item["element"] not in ELEMENTS:
                known = ", ".join(ELEMENTS)
                raise self.fail((*path, "element"), f"unknown element (known: {known})")
            text = self.text(item["text"], (*path, "text"), MAX_QUESTION)
            applies_to = self.sources(item.get("applies_to"), (*path, "applies_to"))
            parsed.append(Question(code, item["element"], text, applies_to))
        for source in Source:  # every run asks something, whoever answers
            if not any(question.asked_in(source) for question in parsed):
                raise self.fail(("questions",), f"no question applies to '{source}'")
        return Survey(
            key=key,
            version=version,
            title=self.text(data["title"], ("title",), MAX_TITLE),
            scale=data["scale"],
            questions=tuple(parsed),
        )


def parse_survey(source: str, name: str) -> Survey:
    """Validate the YAML text of one survey file; `name` is used in error messages."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        raise SurveyError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    return _Checker(name, root).survey(data)


def load_survey(path: Path) -> Survey:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SurveyError(f"{path}: cannot read ({exc})") from exc
    return parse_survey(source, str(path))


def scan_library(folders: Sequence[Path] = (PACKAGED,)) -> tuple[dict[str, Survey], list[str]]:
    """Usable surveys by key, and one line per file refused (broken, or a key used twice).

    A bad file an admin dropped in is shown to them rather than stopping the bot; only
    the default survey is indispensable.
    """
    surveys: dict[str, Survey] = {}
    problems: list[str] = []
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            try:
                survey = load_survey(path)
            except SurveyError as exc:
                problems.append(str(exc))
                continue
            if survey.key in surveys:
                problems.append(f"{path}: key: '{survey.key}' is used by another file")
                continue
            surveys[survey.key] = survey
    if DEFAULT_KEY not in surveys:
        where = ", ".join(str(folder) for folder in folders)
        raise SurveyError(f"{where}: the default survey '{DEFAULT_KEY}' is missing")
    return surveys, problems
