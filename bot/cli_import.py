"""`sogopy case import`: the day's cases from the one-stop software's export file."""

from pathlib import Path
from typing import Annotated

import typer

from bot.cli_common import load_settings, office_call
from handlers.catalogue import office_text


def case_import(
    file: Annotated[Path, typer.Argument(help=office_text("help_import_file"))],
    ward: Annotated[str, typer.Option(help=office_text("help_ward_code"))],
    done: Annotated[bool, typer.Option("--done", help=office_text("help_import_done"))] = False,
    column: Annotated[
        list[str] | None, typer.Option(help=office_text("help_import_column"))
    ] = None,
) -> None:
    """Register the cases of an export (and mark returned ones done); importing twice is safe."""
    from office.case_import import import_cases, parse_columns, read_table

    zone = load_settings().zone
    columns = parse_columns(column or [])
    rows = read_table(file)
    summary = office_call(
        lambda session: import_cases(
            session, rows, ward=ward, zone=zone, done=done, columns=columns
        )
    )
    for key, count in (
        ("import_new", summary.new),
        ("import_done", summary.done),
        ("import_unchanged", summary.unchanged),
        ("import_refused", len(summary.refused)),
    ):
        typer.echo(f"{office_text(key)}: {count}")
    for row, why in summary.refused:
        typer.echo(office_text("import_row", row=row, why=why))
