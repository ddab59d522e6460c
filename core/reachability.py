"""Whether we can message an account: set by adapters when a platform says so.

Delivery skips unreachable accounts (see core.delivery). Adapters call these when the
platform tells them something outside a send: the app was removed from a workspace
(everyone there becomes unreachable), or someone we marked unreachable talks to us again
(which proves we can reach them). :func:`fallback_channels` tells an adapter where it may
ask someone it can't message directly to open their DMs.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from core.identity import Platform, UserRef
from core.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)


RESEND_WITHIN = timedelta(days=7)
"""A message that found someone unreachable is sent when they come back if it is younger
than this: the partner and coordinator were told they can't be reached, "ask them to
message mentorhub again and reminders will reach them", and are told again weekly."""


async def set_reachable(
    uow_factory: UnitOfWorkFactory, ref: UserRef, reachable: bool, *, now: datetime
) -> bool:
    """Mark the account behind ``ref``; True when it existed and its state changed.

    Someone reachable again gets the messages that failed meanwhile (those younger than
    :data:`RESEND_WITHIN`), in the same transaction: a brief or a reminder they missed
    while they had blocked the bot still matters to them."""
    resent = 0
    async with uow_factory() as uow:
        account = await uow.accounts.find(ref.platform, ref.workspace, ref.user_id)
        if account is None or account.reachable == reachable:
            return False
        account.reachable = reachable
        await uow.accounts.save(account)
        if reachable:  # someone there reaches us: the app is back, nothing is purged
            await uow.privacy.workspace_back(ref.platform.value, ref.workspace)
            resent = await uow.outbox.resend_unreachable(
                account.person_id, since=now - RESEND_WITHIN, now=now
            )
        await uow.commit()
    log.info(
        "%s account %s:%s is now %s%s",
        ref.platform.value,
        ref.workspace,
        ref.user_id,
        "reachable" if reachable else "unreachable",
        f"; {resent} message(s) that failed meanwhile are queued again" if resent else "",
    )
    return True


async def set_workspace_reachable(
    uow_factory: UnitOfWorkFactory,
    platform: Platform,
    workspace: str,
    reachable: bool,
    *,
    at: datetime | None = None,
) -> int:
    """Mark every account of one workspace (e.g. the app was uninstalled); returns the count.
    ``at``: when the app was removed from it; its people's data is purged after the grace
    period (core.privacy.purge_expired) unless someone there reaches us again first."""
    async with uow_factory() as uow:
        changed = await uow.accounts.set_workspace_reachable(platform, workspace, reachable)
        if at is not None:
            await uow.privacy.workspace_removed(platform.value, workspace, at)
        elif reachable:
            await uow.privacy.workspace_back(platform.value, workspace)
        await uow.commit()
    log.info(
        "%d %s account(s) in workspace %s are now %s",
        changed,
        platform.value,
        workspace,
        "reachable" if reachable else "unreachable",
    )
    return changed


async def fallback_channels(
    uow_factory: UnitOfWorkFactory, person_id: int, platform: Platform
) -> list[str]:
    """Where to ask someone we can't DM to open their DMs: the channels configured
    (``Program.channel``) for the programs they take part in that live on ``platform``
    (or on no platform in particular), in the order they joined, without repeats.

    The values are as coordinators typed them; the adapter decides which it can use.
    """
    prefix = f"{platform.value}:"
    channels: list[str] = []
    async with uow_factory() as uow:
        for enrollment in await uow.enrollments.of_person(person_id):
            if not enrollment.active:
                continue
            program = await uow.programs.get(enrollment.program_id)
            if program is None or not program.channel.strip():
                continue
            if program.space and not program.space.startswith(prefix):
                continue
            if program.channel.strip() not in channels:
                channels.append(program.channel.strip())
    return channels
