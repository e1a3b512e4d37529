"""`sogopy user add`: a console account, with a one-time link to set its password.

The link goes to the console of the running bot: `SOGOPY_PUBLIC_URL`, or
`http://SOGOPY_HTTP_HOST:SOGOPY_HTTP_PORT` on a machine without a public address.
"""

from typing import Annotated

import typer

from bot.cli_apikey import _office
from bot.cli_common import load_settings
from handlers.catalogue import office_text

user_app = typer.Typer(help=office_text("help_users"), no_args_is_help=True, rich_markup_mode=None)


@user_app.command("add", help=office_text("help_user_add"))
def user_add(
    role: Annotated[str, typer.Option(help=office_text("help_user_role"))],
    name: Annotated[str, typer.Option(help=office_text("help_user_name"))],
    ward: Annotated[str | None, typer.Option(help=office_text("help_ward_code"))] = None,
) -> None:
    """Make the account; the set-password link is printed on its own line."""
    from office.webusers import add_user
    from storage.models import utcnow

    settings = load_settings()
    user, token = _office(
        lambda session: add_user(session, name=name, role=role, ward=ward, now=utcnow())
    )
    base = settings.public_url or f"http://{settings.http_host}:{settings.http_port}"
    scope = user.ward_code or office_text("cli_key_scope_city")
    typer.echo(office_text("cli_user_made", name=user.name, role=user.role.value, scope=scope))
    typer.echo(f"{base}/console/password/{token}")
