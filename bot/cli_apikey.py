"""`sogopy apikey …`: keys of the HTTP API, for the one-stop software of a ward or the city.

A key is printed once, alone on standard output (so `KEY=$(sogopy apikey create …)`
works); only its hash is kept. Errors are one line and exit status 1.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.cli_common import load_settings
from handlers.catalogue import office_text
from office.errors import OfficeError

if TYPE_CHECKING:  # the office and the database load with a command, not with `--help`
    from sqlmodel.ext.asyncio.session import AsyncSession

    from office.keys import KeyView

T = TypeVar("T")
TIME = "%d/%m/%Y %H:%M"

apikey_app = typer.Typer(
    help=office_text("help_apikeys"), no_args_is_help=True, rich_markup_mode=None
)


def _office(work: Callable[["AsyncSession"], Awaitable[T]]) -> T:
    """Upgrade the schema, run one office operation; its error is the command's one line."""
    from storage.db import create_engine, session_maker, upgrade_sync

    settings = load_settings()
    upgrade_sync(settings.database_url)

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with session_maker(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except OfficeError as exc:
        typer.echo(office_text("cli_error", message=exc.message), err=True)
        raise typer.Exit(1) from None


def _scope(key: "KeyView") -> str:
    return key.ward_code or office_text("cli_key_scope_city")


@apikey_app.command("create", help=office_text("help_apikey_create"))
def apikey_create(
    ward: Annotated[str | None, typer.Option(help=office_text("help_apikey_ward"))] = None,
    city: Annotated[bool, typer.Option("--city", help=office_text("help_apikey_city"))] = False,
    name: Annotated[str, typer.Option(help=office_text("help_apikey_name"))] = "",
) -> None:
    """Make a key; it is printed once, on its own line, and cannot be shown again."""
    from office.keys import create_key

    if (ward is None) == (not city):
        typer.echo(office_text("cli_error", message=office_text("cli_key_which")), err=True)
        raise typer.Exit(1)
    key, secret = _office(lambda session: create_key(session, ward=ward, name=name))
    typer.echo(secret)
    made = office_text("cli_key_made", id=key.id, prefix=key.prefix, scope=_scope(key))
    typer.echo(made, err=True)


@apikey_app.command("list", help=office_text("help_apikey_list"))
def apikey_list() -> None:
    """Every key: id, prefix, ward (or city), name, made, and whether it was revoked."""
    from office.keys import list_keys

    zone = load_settings().zone
    for key in _office(list_keys):
        made = key.created_at.astimezone(zone).strftime(TIME)
        state = (
            office_text("cli_key_active")
            if key.revoked_at is None
            else office_text(
                "cli_key_revoked_at", when=key.revoked_at.astimezone(zone).strftime(TIME)
            )
        )
        name = " ".join(key.name.split()) or "-"
        typer.echo(f"{key.id}\t{key.prefix}…\t{_scope(key)}\t{name}\t{made}\t{state}")


@apikey_app.command("revoke", help=office_text("help_apikey_revoke"))
def apikey_revoke(
    key_id: Annotated[int, typer.Argument(metavar="ID", help=office_text("help_apikey_id"))],
) -> None:
    """Stop a key at once: the next request with it is refused (401)."""
    from office.keys import revoke_key

    key, changed = _office(lambda session: revoke_key(session, key_id))
    said = "cli_key_revoked" if changed else "cli_key_was_revoked"
    typer.echo(office_text(said, id=key.id, prefix=key.prefix))
