"""`sogopy apikey …`: keys of the HTTP API, for the one-stop software of a ward or the city.

A key is printed once, alone on standard output (so `KEY=$(sogopy apikey create …)`
works); only its hash is kept. Errors are one line and exit status 1.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.cli_common import load_settings
from office.errors import OfficeError

if TYPE_CHECKING:  # the office and the database load with a command, not with `--help`
    from sqlmodel.ext.asyncio.session import AsyncSession

    from office.keys import KeyView

T = TypeVar("T")
TIME = "%d/%m/%Y %H:%M"

apikey_app = typer.Typer(
    help="Keys of the HTTP API (/api/v1).", no_args_is_help=True, rich_markup_mode=None
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
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None


def _scope(key: "KeyView") -> str:
    return key.ward_code or "city"


@apikey_app.command("create")
def apikey_create(
    ward: Annotated[str | None, typer.Option(help="the ward whose data the key may touch")] = None,
    city: Annotated[bool, typer.Option("--city", help="a city-wide key: every ward")] = False,
    name: Annotated[str, typer.Option(help="who uses it, e.g. 'phần mềm một cửa'")] = "",
) -> None:
    """Make a key; it is printed once, on its own line, and cannot be shown again."""
    from office.keys import create_key

    if (ward is None) == (not city):
        typer.echo("error: give --ward CODE or --city (one of them)", err=True)
        raise typer.Exit(1)
    key, secret = _office(lambda session: create_key(session, ward=ward, name=name))
    typer.echo(secret)
    typer.echo(
        f"key {key.id} ({key.prefix}…) for {_scope(key)}: keep it now, it is not shown again",
        err=True,
    )


@apikey_app.command("list")
def apikey_list() -> None:
    """Every key: id, prefix, ward (or city), name, made, and whether it was revoked."""
    from office.keys import list_keys

    zone = load_settings().zone
    for key in _office(list_keys):
        made = key.created_at.astimezone(zone).strftime(TIME)
        state = (
            "active"
            if key.revoked_at is None
            else f"revoked {key.revoked_at.astimezone(zone).strftime(TIME)}"
        )
        name = " ".join(key.name.split()) or "-"
        typer.echo(f"{key.id}\t{key.prefix}…\t{_scope(key)}\t{name}\t{made}\t{state}")


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[int, typer.Argument(metavar="ID", help="the key's id")],
) -> None:
    """Stop a key at once: the next request with it is refused (401)."""
    from office.keys import revoke_key

    key, changed = _office(lambda session: revoke_key(session, key_id))
    typer.echo(f"key {key.id} ({key.prefix}…) " + ("revoked" if changed else "was already revoked"))
