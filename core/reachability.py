"""Whether we can message an account: set by adapters when a platform says so.

Delivery skips unreachable accounts (see core.delivery). Adapters call these when the
platform tells them something outside a send: the app was removed from a workspace
(everyone there becomes unreachable), or someone we marked unreachable talks to us again
(which proves we can reach them). :func:`fallback_channels` tells an adapter where it may
ask someone it can't message directly to open their DMs.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from core.identity import Platform, UserRef
from core.ports import OutboxMessage, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


RESEND_WITHIN = timedelta(days=7)
"""A message that found someone unreachable is sent when they come back if it is younger
than this: the partner and coordinator were told they can't be reached, "ask them to
message mentorhub again and reminders will reach them", and are told again weekly."""
_ABOUT_A_PAIR = re.compile(r"^pair:(\d+):")  # a key (or due item's namespace) naming a pair
_REVISION = re.compile(r"^(.*):r(\d+)$")  # a later version of a message (an updated brief)


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
            resent = await _resend_missed(uow, account.person_id, now)
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


async def account_gone(uow_factory: UnitOfWorkFactory, ref: UserRef, *, now: datetime) -> bool:
    """Mark the account behind ``ref`` gone (the first time counts); True if it changed."""
    async with uow_factory() as uow:
        account = await uow.accounts.find(ref.platform, ref.workspace, ref.user_id)
        if account is None or account.gone_at is not None:
            return False
        account.gone_at, account.reachable = now, False
        await uow.accounts.save(account)
        await uow.commit()
    log.info("%s account %s:%s is gone", ref.platform.value, ref.workspace, ref.user_id)
    return True


async def _resend_missed(uow: UnitOfWork, person_id: int, now: datetime) -> int:
    """Queue again what could not reach this person in the past :data:`RESEND_WITHIN` and
    is still current: a message about a pair only while the pair is open, and of a
    message's versions only the latest. Returns how many."""
    missed = await uow.outbox.unreachable_of(person_id, since=now - RESEND_WITHIN)
    if not missed:
        return 0
    open_pairs = {pair.id for pair in await uow.pairs.of_person(person_id) if pair.status.is_open}
    latest: dict[str, tuple[int, OutboxMessage]] = {}
    for message in missed:
        if not message.payload:  # a relayed message: its text went when delivery gave up
            continue
        about = _ABOUT_A_PAIR.match(message.key)
        if about is not None and int(about[1]) not in open_pairs:
            continue
        revised = _REVISION.match(message.key)
        stem, revision = (revised[1], int(revised[2])) if revised else (message.key, 0)
        if stem not in latest or latest[stem][0] < revision:
            latest[stem] = (revision, message)
    for _, message in latest.values():
        message.status, message.attempts, message.next_attempt_at = "pending", 0, now
        message.last_error = "sent again: reachable again"
        message.locked_by = message.locked_until = message.account_id = None
        await uow.outbox.save(message)
    return len(latest)


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
