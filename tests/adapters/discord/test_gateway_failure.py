"""A gateway close no reconnect fixes (4004 a reset token, 4013/4014 intents) leaves the
Discord messenger failed, loudly: an ERROR naming the cause and the fix, not ready, and
sends refused at once (the outbox keeps the message for the restart) instead of retried
against a closed client. The real discord.py against FakeDiscord closing as Discord does.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bots.bootstrap import Mentorhub
from core.delivery import MessengerFailed
from core.identity import Platform, PlatformAccount
from core.messages import Reply
from tests.adapters.discord.harness import ANN, Harness, messenger_for
from tests.adapters.discord.test_adapter import queue, register
from tests.fakes.discord_api import FakeDiscord
from tests.storage.helpers import pending_outbox

pytestmark = pytest.mark.timeout(20)

FIXES = {
    4004: ("authentication failed (4004)", "Reset Token"),
    4013: ("invalid intent(s) (4013)", "Upgrade mentorhub"),
    4014: ("disallowed intent(s) (4014)", "Privileged Gateway Intents"),
}


async def close_as_discord_does(dc: FakeDiscord, code: int) -> None:
    if code == 4004:
        await dc.reset_token("the-new-token")  # someone pressed Reset Token in the portal
    else:
        await dc.end_sessions(code)


@pytest.mark.parametrize("code", sorted(FIXES))
async def test_a_fatal_close_fails_the_messenger_loudly_and_sends_stop(
    h: Harness, app: Mentorhub, caplog: pytest.LogCaptureFixture, code: int
) -> None:
    ann = await register(h, ANN)
    await queue(app, ann, Reply("hello"))
    assert (await app.deliver()).sent == 1
    assert h.messenger.ready and h.messenger.failure is None

    await close_as_discord_does(h.dc, code)
    failure = await asyncio.wait_for(h.messenger.failed(), 5)

    cause, fix = FIXES[code]
    assert cause in failure and fix in failure
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(cause in line and fix in line for line in errors), errors
    assert not h.messenger.ready
    assert h.messenger.failure == failure

    calls = len(h.dc.calls)
    account = PlatformAccount(Platform("discord"), "", str(ANN), person_id=ann)
    with pytest.raises(MessengerFailed, match=r"\(" + str(code) + r"\)"):
        await h.messenger.send(account, Reply("anyone there?"))
    await queue(app, ann, Reply("still waiting"))
    report = await app.deliver()
    assert (report.sent, report.retried, report.deferred) == (0, 0, 1)
    async with app.uow() as uow:
        (waiting,) = await pending_outbox(uow, now=app.clock.now() + timedelta(days=1))
    assert waiting.attempts == 0  # kept for the restart, no attempt spent
    assert "(" + str(code) + ")" in (waiting.last_error or "")
    assert len(h.dc.calls) == calls  # nothing was tried against the closed client
    with pytest.raises(MessengerFailed):  # and nothing restarts it but a restart
        await h.messenger.start_receiving()


async def test_a_fatal_close_before_ready_fails_start_receiving_naming_the_fix(
    dc: FakeDiscord, app: Mentorhub, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker that sends already and takes over the gateway (see bots/receiving.py)."""
    messenger = messenger_for(app, dc)
    await messenger.start_sending()
    await dc.reset_token("the-new-token")  # IDENTIFY with the old one: 4004
    with pytest.raises(MessengerFailed, match=r"authentication failed \(4004\).*Reset Token"):
        await messenger.start_receiving()
    assert not messenger.ready and messenger.client is None
    assert any(r.levelno == logging.ERROR and "(4004)" in r.getMessage() for r in caplog.records)
