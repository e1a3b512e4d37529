"""Survey files as a ward's IT officer writes them: what loads, and how a mistake is named."""

from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import select

from handlers.catalogue import ELEMENTS
from handlers.context import Context, sync_surveys
from handlers.survey_library import (
    PACKAGED,
    Question,
    Survey,
    SurveyError,
    parse_survey,
    scan_library,
)
from storage.models import SurveyVersion

VALID = """\
# a small survey
key: demo
version: 1
title: Khảo sát thử
scale: sipas5
questions:
  - code: access
    element: access
    text: Ông/Bà tiếp cận dịch vụ thế nào?
  - code: officer
    element: officer
    text:
      vi: Công chức có tận tình không?
      en: Was the civil servant helpful?
"""


def refusal(source: str) -> str:
    with pytest.raises(SurveyError) as caught:
        parse_survey(source, "x.yaml")
    return str(caught.value)


def test_the_packaged_library_has_sipas_with_one_question_per_element() -> None:
    library = scan_library()[0]
    sipas = library["sipas"]
    assert len(sipas.questions) == 5
    assert {question.element for question in sipas.questions} == set(ELEMENTS)
    assert sipas.levels == (1, 2, 3, 4, 5)
    assert all(question.text["vi"] and question.text["en"] for question in sipas.questions)


def test_a_valid_survey_reads_plain_text_as_vietnamese() -> None:
    survey = parse_survey(VALID, "x.yaml")
    assert (survey.key, survey.version, survey.title) == ("demo", 1, {"vi": "Khảo sát thử"})
    assert survey.questions[0] == Question(
        code="access", element="access", text={"vi": "Ông/Bà tiếp cận dịch vụ thế nào?"}
    )
    assert survey.questions[1].text["en"] == "Was the civil servant helpful?"


@pytest.mark.parametrize(
    ("source", "where", "field", "message"),
    [
        (VALID.split("questions:")[0], "x.yaml:2", "file", "missing field 'questions'"),
        (VALID.split("questions:")[0] + "questions: []\n", "x.yaml:6", "questions", "at least one"),
        (VALID.replace("scale: sipas5", "scale: stars10"), "x.yaml:5", "scale", "unknown scale"),
        (
            VALID.replace("element: officer", "element: parking"),
            "x.yaml:11",
            "questions[1].element",
            "unknown element",
        ),
        (
            VALID.replace("vi: Công chức có tận tình không?", 'vi: "  "'),
            "x.yaml:13",
            "questions[1].text.vi",
            "non-empty",
        ),
        (
            VALID.replace("vi: Công chức có tận tình không?", "vi: " + "dài " * 251),
            "x.yaml:13",
            "questions[1].text.vi",
            "over 1000",
        ),
        (
            VALID.replace("en: Was", "fr: Was"),
            "x.yaml:14",
            "questions[1].text.fr",
            "unknown language",
        ),
    ],
    ids=[
        "no-questions",
        "empty-questions",
        "scale",
        "element",
        "empty-vietnamese",
        "too-long",
        "language",
    ],
)
def test_a_broken_survey_is_refused_naming_file_line_and_field(
    source: str, where: str, field: str, message: str
) -> None:
    text = refusal(source)
    assert text.startswith(f"{where}: {field}: "), text
    assert message in text


def test_a_duplicate_question_code_names_the_code_and_the_second_line() -> None:
    text = refusal(VALID.replace("code: officer", "code: access"))
    assert text.startswith("x.yaml:10: questions[1].code: "), text
    assert "duplicate code 'access'" in text


@pytest.mark.parametrize("version", ["0", '"1"', "true"])
def test_the_version_must_be_a_whole_number_from_one(version: str) -> None:
    text = refusal(VALID.replace("version: 1", f"version: {version}"))
    assert text.startswith("x.yaml:3: version: "), text


def test_malformed_yaml_names_the_line() -> None:
    text = refusal(VALID.replace("    element: officer", "   element: [officer"))
    assert text.startswith("x.yaml:11: "), text
    assert "not valid YAML" in text


def test_a_survey_survives_its_json_form_and_a_new_label_changes_its_hash() -> None:
    survey = parse_survey(VALID, "x.yaml")
    assert Survey.from_json(survey.to_json()) == survey
    relabelled = parse_survey(VALID.replace("thế nào?", "ra sao?"), "x.yaml")
    assert relabelled.content_hash != survey.content_hash
    assert parse_survey(VALID, "y.yaml").content_hash == survey.content_hash


def test_applies_to_limits_a_question_to_the_sources_named() -> None:
    survey = parse_survey(
        VALID.replace("    element: officer\n", "    element: officer\n    applies_to: [case]\n"),
        "x.yaml",
    )
    assert survey.questions[1].applies_to == ("case",)
    assert (survey.asked("case"), survey.asked("walkin"), survey.asked("broadcast")) == (
        (0, 1),
        (0,),
        (0,),
    )
    assert Survey.from_json(survey.to_json()) == survey
    sipas = scan_library()[0]["sipas"]
    assert [sipas.questions[i].code for i in sipas.asked("walkin")] == [
        "access",
        "procedure",
        "officer",
    ]


def test_a_file_without_applies_to_keeps_its_stored_json_and_hash() -> None:
    """Versions stored before `applies_to` existed must still match their files."""
    assert "applies_to" not in parse_survey(VALID, "x.yaml").to_json()


@pytest.mark.parametrize(
    ("applies_to", "message"),
    [
        ("[visit]", "questions[1].applies_to[0]: unknown source"),
        ("[]", "questions[1].applies_to: must be a list of sources"),
        ("case", "questions[1].applies_to: must be a list of sources"),
        ("[case, case]", "questions[1].applies_to: names a source twice"),
    ],
)
def test_a_bad_applies_to_is_refused(applies_to: str, message: str) -> None:
    source = VALID.replace(
        "    element: officer\n", f"    element: officer\n    applies_to: {applies_to}\n"
    )
    assert message in refusal(source)


def test_every_source_must_be_asked_something() -> None:
    source = VALID.replace("    element: access\n", "    element: access\n    applies_to: [case]\n")
    source = source.replace(
        "    element: officer\n", "    element: officer\n    applies_to: [case, walkin]\n"
    )
    assert "questions: no question applies to 'broadcast'" in refusal(source)


def test_a_second_file_with_one_key_and_a_broken_file_are_refused_not_fatal(
    tmp_path: Path,
) -> None:
    (tmp_path / "demo.yaml").write_text(VALID, "utf-8")
    (tmp_path / "demo-copy.yaml").write_text(VALID, "utf-8")
    (tmp_path / "broken.yaml").write_text("key: broken\nversion: 1\n", "utf-8")
    surveys, problems = scan_library([PACKAGED, tmp_path])
    assert sorted(surveys) == ["demo", "sipas"]
    assert len(problems) == 2
    assert problems[0].startswith(f"{tmp_path / 'broken.yaml'}:1: file: missing field 'title'")
    assert problems[1] == f"{tmp_path / 'demo.yaml'}: key: 'demo' is used by another file"


def test_a_library_without_the_default_survey_is_refused(tmp_path: Path) -> None:
    (tmp_path / "demo.yaml").write_text(VALID, "utf-8")
    with pytest.raises(SurveyError, match="'sipas' is missing"):
        scan_library([tmp_path])


async def stored_versions(ctx: Context) -> list[tuple[str, int]]:
    async with ctx.db() as session:
        found = await session.exec(select(SurveyVersion).order_by(SurveyVersion.id))
        return [(row.key, row.version) for row in found.all()]


async def test_each_survey_version_is_stored_once(ctx: Context) -> None:
    library = scan_library()[0]  # `ctx` already synced it once, as the bot does at start
    assert await stored_versions(ctx) == [("sipas", 2)]
    again = await sync_surveys(ctx.db, library)
    assert await stored_versions(ctx) == [("sipas", 2)]
    assert again.current == ctx.surveys.current
    assert again.survey(again.current["sipas"]) == library["sipas"]


async def test_a_new_version_is_stored_beside_the_old_one(ctx: Context) -> None:
    old = scan_library()[0]["sipas"]
    new = replace(old, version=3, title={"vi": "Khảo sát mới"})
    book = await sync_surveys(ctx.db, {"sipas": new})
    assert await stored_versions(ctx) == [("sipas", 2), ("sipas", 3)]
    assert book.survey(book.current["sipas"]) == new
    assert old in book.versions.values()  # answers to version 2 still read their survey


async def test_a_changed_survey_without_a_new_version_is_refused(ctx: Context) -> None:
    sipas = scan_library()[0]["sipas"]
    relabelled = replace(sipas, title={**sipas.title, "vi": "Khảo sát đã sửa"})
    with pytest.raises(SurveyError, match="give the changed file a new version"):
        await sync_surveys(ctx.db, {"sipas": relabelled})
    assert await stored_versions(ctx) == [("sipas", 2)]


async def test_a_version_stored_meanwhile_by_another_process_is_read_not_refused(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot starting and `sogopy broadcast create` store the same version at once."""
    import handlers.context as context

    found = context.find_survey_version
    looked: list[str] = []

    async def not_yet_the_first_time(*args: object) -> SurveyVersion | None:
        looked.append("once")
        return None if len(looked) == 1 else await found(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(context, "find_survey_version", not_yet_the_first_time)
    library, _ = scan_library()
    async with ctx.db() as session:
        row = await context.stored_version(session, "sipas", library["sipas"])
        await session.commit()
    assert (row.key, row.version) == ("sipas", 2)
    assert await stored_versions(ctx) == [("sipas", 2)]
