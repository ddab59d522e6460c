"""A guild that removes the bot (GUILD_DELETE without ``unavailable``) is recorded for the
retention purge; an outage (``unavailable: true``) is not; the bot joining again calls the
purge off."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from storage.tables import RemovedWorkspaceRow
from tests.adapters.discord.harness import GUILD, Harness
from tests.fakes.discord_api import guild_object


async def removed(h: Harness) -> list[str]:
    async with h.app.uow() as uow:
        rows = await uow.session.exec(  # type: ignore[attr-defined]
            select(RemovedWorkspaceRow.platform, RemovedWorkspaceRow.workspace)  # type: ignore[call-overload]
        )
        return [f"{platform}:{workspace}" for platform, workspace in rows.all()]


async def until(h: Harness, wanted: list[str], within: float = 10.0) -> None:
    """Bounded by time, not by tries: on a busy machine each look takes longer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if await removed(h) == wanted:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"removed workspaces: {await removed(h)}, wanted {wanted}")


def joined() -> dict[str, object]:
    """GUILD_CREATE for a guild the bot was just added to: no ``unavailable`` field (the
    one sent for guilds at startup says false, i.e. available again)."""
    payload = guild_object(GUILD)
    payload.pop("unavailable", None)
    return payload


async def test_guild_delete_is_recorded_and_an_outage_is_not(h: Harness) -> None:
    await h.dc.dispatch("GUILD_DELETE", {"id": str(GUILD), "unavailable": True})
    await asyncio.sleep(0.1)
    assert await removed(h) == []
    await h.dc.dispatch("GUILD_CREATE", joined())
    await h.dc.dispatch("GUILD_DELETE", {"id": str(GUILD)})
    await until(h, [f"discord:{GUILD}"])
    await h.dc.dispatch("GUILD_CREATE", joined())
    await until(h, [])
