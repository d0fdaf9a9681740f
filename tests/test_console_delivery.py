"""A console delivers only to its own member: another member's prompt stays due for them."""

from __future__ import annotations

import io

from sqlalchemy import select

from adapters.console import ConsoleAdapter
from bot.clock import FakeClock
from bot.engine import Engine
from bot.messages import IncomingKind
from bot.storage.db import Database
from bot.storage.models import Delivery
from tests.scheduler_support import WED, at, make_scheduler, outbox_for


async def prompt_status(database: Database) -> dict[str, str]:
    """The status of each member's daily prompt, by target."""
    async with database.transaction() as session:
        rows = await session.scalars(select(Delivery).where(Delivery.kind == "prompt"))
        return {row.target: row.status for row in rows}


async def test_a_console_never_prints_another_members_prompt(
    engine: Engine, database: Database, clock: FakeClock
) -> None:
    marta_out, jonas_out = io.StringIO(), io.StringIO()
    marta = ConsoleAdapter(engine, name="Marta Ruiz", output=marta_out)
    jonas = ConsoleAdapter(engine, name="Jonas Berg", output=jonas_out)
    clock.set(at(WED, 9))
    for console in (marta, jonas):
        await engine.handle(console.incoming("help", IncomingKind.COMMAND))

    # Only Marta's console is open: the prompt tick reaches both members.
    await make_scheduler(database, outbox_for(marta), clock).tick(at(WED, 17, 0, 30))
    printed = marta_out.getvalue()
    assert "Marta" in printed and "Jonas" not in printed
    statuses = await prompt_status(database)
    assert sorted(statuses.values()) == ["claimed", "sent"]  # Jonas's is still due

    # Jonas opens his console later: his prompt reaches him there.
    later = make_scheduler(database, outbox_for(jonas), clock)
    for hour, minute in ((17, 10), (17, 30), (18, 0), (19, 0)):
        await later.tick(at(WED, hour, minute, 30))
        if "Jonas" in jonas_out.getvalue():
            break
    assert "Jonas" in jonas_out.getvalue() and "Marta" not in jonas_out.getvalue()
    assert sorted((await prompt_status(database)).values()) == ["sent", "sent"]
