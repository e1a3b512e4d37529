"""The menu job (issue 11): each leader's and admin's chat gets its own command menu."""

from dataclasses import dataclass, field, replace

from sqlalchemy import event

from bot.dispatch import Dispatcher
from bot.jobs import sync_menus
from handlers.context import Context
from office.leaders import add_leader, remove_leader
from storage.models import Ward
from tests.conftest import Chat


@dataclass
class MenuRecorder:
    """A transport that only records the menus it is asked to set."""

    platform: str = "telegram"
    menus: list[tuple[str, str | None]] = field(default_factory=list)

    async def set_menu(self, chat_id: str, role: str | None) -> None:
        self.menus.append((chat_id, role))


async def test_menus_follow_leaders_and_admins_and_are_set_once(ctx: Context, ward: Ward) -> None:
    ctx = replace(ctx, admins=frozenset({"9001"}))
    dispatcher = Dispatcher(ctx)
    recorder = MenuRecorder()
    dispatcher.transports["telegram"] = recorder  # type: ignore[assignment]
    await Chat(ctx, chat_id="3001").command("start")  # a citizen: the default menu, untouched
    await Chat(ctx, chat_id="9001").command("start")
    async with ctx.db() as session:
        held = await add_leader(session, ward.code, platform="telegram", chat_id="7001", name="A")
    assert await sync_menus(dispatcher) == 2
    assert sorted(recorder.menus) == [("7001", "leader"), ("9001", "admin")]
    assert await sync_menus(dispatcher) == 0  # nothing changed: nothing sent
    async with ctx.db() as session:
        assert held.id is not None
        await remove_leader(session, held.id, ctx.timezone)
    assert await sync_menus(dispatcher) == 1
    assert recorder.menus[-1] == ("7001", None)  # the citizens' menu again


async def test_the_menus_job_asks_three_questions_however_many_leaders(
    ctx: Context, ward: Ward
) -> None:
    """Every two seconds: the people with a menu of their own, the admins, and who leads;
    it was a query more for each leader and admin (hundreds in a city)."""
    ctx = replace(ctx, admins=frozenset({"9001"}))
    dispatcher = Dispatcher(ctx)
    dispatcher.transports["telegram"] = MenuRecorder()  # type: ignore[assignment]
    await Chat(ctx, chat_id="9001").command("start")
    async with ctx.db() as session:
        for n in range(6):
            await add_leader(session, ward.code, platform="telegram", chat_id=f"70{n}", name="A")
    assert await sync_menus(dispatcher) == 7
    engine = ctx.db.kw["bind"]
    selects: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        assert await sync_menus(dispatcher) == 0
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(selects) == 3, selects
