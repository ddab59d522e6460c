"""What messengers remember of their direct conversations, across restarts.

Opening a direct conversation can be tightly limited (one messenger allows a few a minute
and quarantines a bot that opens many). A messenger that kept the channels it opened only
in memory would open every one again after each restart, and a program of more than 60
people could wait up to an hour for its notices. So the channel
opened for each account is stored, and so is when someone with closed DMs was last asked,
in a shared channel, to open them (one such mention per quiet window, restarts or not).

Kept only for accounts mentorhub knows: a row belongs to its account, and goes with it
(forgetting the person, a purged workspace). A messenger loads them once at start.
"""

from __future__ import annotations

from datetime import datetime

from core.identity import Platform
from core.ports import DirectChannel, ReadFactory, UnitOfWorkFactory


class DirectChannelStore:
    """The stored direct channels, for messengers (who never see a unit of work)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, read_factory: ReadFactory) -> None:
        self._uow_factory = uow_factory
        self._read_factory = read_factory

    async def known(self, platform: Platform) -> list[DirectChannel]:
        async with self._read_factory() as uow:
            return await uow.direct_channels.of_platform(platform)

    async def opened(
        self, platform: Platform, user_id: str, channel_id: str, *, workspace: str = ""
    ) -> bool:
        """Keep ``channel_id`` as the account's direct channel; False when there is no such
        account (someone who never registered: nothing is kept about them)."""
        async with self._uow_factory() as uow:
            kept = await uow.direct_channels.opened(platform, workspace, user_id, channel_id)
            await uow.commit()
        return kept

    async def closed(self, platform: Platform, user_id: str, *, workspace: str = "") -> None:
        async with self._uow_factory() as uow:
            await uow.direct_channels.closed(platform, workspace, user_id)
            await uow.commit()

    async def asked_to_open(
        self, platform: Platform, user_id: str, at: datetime, *, workspace: str = ""
    ) -> bool:
        async with self._uow_factory() as uow:
            kept = await uow.direct_channels.asked_to_open(platform, workspace, user_id, at)
            await uow.commit()
        return kept
