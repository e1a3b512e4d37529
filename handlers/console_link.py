"""`/web`: a leader or admin on the bot gets a one-time link into the web console.

The link opens a page with a login button, so a chat's link preview (which fetches
it) cannot spend it; it is valid for ten minutes.
"""

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import say
from handlers.context import Context
from handlers.events import Reply, Response
from office.webusers import chat_login
from storage.models import Person


async def web_link(session: AsyncSession, ctx: Context, person: Person) -> Response:
    language = person.language
    if not ctx.console_url:
        return Response([Reply(say(language, "web_link_off"))])
    token = await chat_login(session, person, admin=ctx.is_admin(person), now=ctx.clock())
    if token is None:
        return Response([Reply(say(language, "web_link_refused"))])
    link = f"{ctx.console_url}/console/link/{token}"
    return Response([Reply(say(language, "web_link", link=link))])
