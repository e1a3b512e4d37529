"""The survey library: what the bot offers, and checking an office's own survey file.

Files only, no database: these two are plain functions.
"""

from collections.abc import Sequence
from pathlib import Path

from handlers.survey_library import Survey, SurveyError, load_survey, scan_library
from office.errors import Invalid


def list_surveys(folders: Sequence[Path]) -> tuple[dict[str, Survey], list[str]]:
    """Usable surveys by key, and one line per refused file with the reason."""
    return scan_library(folders)


def check_survey(path: Path) -> Survey:
    """The survey in this file; Invalid names the file, line and field of its first error."""
    try:
        return load_survey(path)
    except SurveyError as exc:
        raise Invalid("bad_survey", str(exc), "file") from exc
