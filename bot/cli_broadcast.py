"""`sogopy survey …` and `sogopy broadcast …`: the survey library and broadcasts.

A broadcast made here is a row the running bot picks up (within a few seconds, or at
its time); nothing is sent from the command line itself.
"""

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_common import load_settings, office_call
from handlers.catalogue import office_text, say

survey_app = typer.Typer(
    help=office_text("help_surveys"), no_args_is_help=True, rich_markup_mode=None
)
broadcast_app = typer.Typer(
    help=office_text("help_broadcasts"), no_args_is_help=True, rich_markup_mode=None
)


@survey_app.command("list", help=office_text("help_survey_list"))
def survey_list() -> None:
    """The surveys the bot offers, and any file it refuses (with the reason)."""
    from office.surveys import list_surveys

    surveys, problems = list_surveys(load_settings().survey_folders)
    for key, survey in sorted(surveys.items()):
        line = office_text(
            "cli_survey_line",
            survey=key,
            version=survey.version,
            count=len(survey.questions),
            title=survey.title["vi"],
        )
        typer.echo(line)
    for problem in problems:
        typer.echo(office_text("cli_survey_refused", problem=problem))


@survey_app.command("check", help=office_text("help_survey_check"))
def survey_check(
    file: Annotated[Path, typer.Argument(help=office_text("help_survey_file"))],
) -> None:
    """Validate a survey file: errors name the file, the line and the field."""
    from office.surveys import check_survey

    survey = check_survey(file)
    count = len(survey.questions)
    typer.echo(office_text("cli_survey_ok", survey=survey.key, version=survey.version, count=count))


@broadcast_app.command("create", help=office_text("help_broadcast_create"))
def broadcast_create(
    survey: Annotated[str, typer.Option(help=office_text("help_broadcast_survey"))],
    ward: Annotated[list[str] | None, typer.Option(help=office_text("help_broadcast_ward"))] = None,
    at: Annotated[str | None, typer.Option(help=office_text("help_broadcast_at"))] = None,
) -> None:
    """Create a broadcast for the running bot to send; prints its id (first line).

    `--at` takes the chat's "dd/mm/yyyy HH:MM" and the contract's "YYYY-MM-DD HH:MM"; a
    time in the quiet hours, or an audience of nobody, is refused (exit status 1).
    """
    from office.broadcasts import SHOWN_TIME, create_broadcast, parse_local_time

    settings = load_settings()
    when = parse_local_time(at, settings.zone) if at else None
    view = office_call(
        lambda session: create_broadcast(
            session,
            survey=survey,
            folders=settings.survey_folders,
            wards=ward or [],
            at=when,
            quiet=settings.quiet,
        )
    )
    scope = ", ".join(view.wards) or office_text("cli_city")
    shown = office_text("cli_now")
    if when is not None:
        shown = office_text("cli_at", when=when.strftime(SHOWN_TIME))
    typer.echo(view.broadcast.id)
    line = office_text(
        "cli_broadcast_created",
        id=view.broadcast.id,
        survey=survey,
        count=view.progress.audience,
        scope=scope,
        when=shown,
    )
    typer.echo(line)


@broadcast_app.command("status", help=office_text("help_broadcast_status"))
def broadcast_status(
    broadcast_id: Annotated[int, typer.Argument(help=office_text("help_broadcast_id"))],
) -> None:
    """Where a broadcast stands: counts by outcome, and its response rate."""
    from office.broadcasts import SHOWN_TIME, broadcast_status

    zone = load_settings().zone
    view = office_call(lambda session: broadcast_status(session, broadcast_id))
    broadcast, report = view.broadcast, view.progress

    def shown(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime(SHOWN_TIME) if moment else "-"

    rate = report.response_rate
    share = (
        office_text("cli_broadcast_share", percent=f"{rate * 100:.1f}") if rate is not None else ""
    )
    text = office_text(
        "cli_broadcast_status",
        id=broadcast.id,
        state=say("vi", f"bc_state_{broadcast.status}"),
        survey=broadcast.survey_key,
        scope=", ".join(view.wards) or office_text("cli_city"),
        count=report.audience,
        scheduled=shown(broadcast.scheduled_at),
        started=shown(broadcast.started_at),
        finished=shown(broadcast.finished_at),
        sent=report.delivered,
        blocked=report.by_status.get("blocked", 0),
        failed=report.by_status.get("failed", 0),
        skipped=report.by_status.get("skipped", 0),
        pending=report.remaining,
        answered=report.answered,
        share=share,
    )
    typer.echo(text)


@broadcast_app.command("cancel", help=office_text("help_broadcast_cancel"))
def broadcast_cancel(
    broadcast_id: Annotated[int, typer.Argument(help=office_text("help_broadcast_id"))],
) -> None:
    """Stop a broadcast: nothing more is sent (what was sent stays sent)."""
    from office.broadcasts import cancel_broadcast

    broadcast = office_call(lambda session: cancel_broadcast(session, broadcast_id))
    typer.echo(office_text("cli_broadcast_cancelled", id=broadcast.id))
