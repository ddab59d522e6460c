"""The new-DM budget and what send errors mean for the outbox."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import discord
import pytest

from adapters.discord.adapter import delivery_error, invite_url
from adapters.discord.limits import NewDmBudget
from core.clock import ManualClock
from core.delivery import RateLimited, TransientFailure, Unreachable


def test_new_dm_budget_is_a_rolling_hour(clock: ManualClock) -> None:
    budget = NewDmBudget(2, clock.now)
    assert budget.take() == 0.0
    clock.advance(timedelta(minutes=30))
    assert budget.take() == 0.0
    assert budget.take() == 1800.0  # the first one leaves the window in 30 minutes
    clock.advance(timedelta(minutes=30))
    assert budget.take() == 0.0
    assert budget.take() == 1800.0
    with pytest.raises(ValueError, match="at least 1"):
        NewDmBudget(0, clock.now)


class Response:
    """Just what discord.HTTPException reads from an aiohttp response."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "reason"


def http_error(kind: type[discord.HTTPException], status: int, code: int) -> discord.HTTPException:
    return kind(Response(status), {"message": "m", "code": code})


def test_delivery_errors() -> None:
    closed = delivery_error(http_error(discord.Forbidden, 403, 50007))
    assert isinstance(closed, Unreachable)
    assert "50007" in str(closed)
    assert isinstance(delivery_error(http_error(discord.Forbidden, 403, 50013)), Unreachable)
    assert isinstance(delivery_error(http_error(discord.NotFound, 404, 10013)), Unreachable)
    assert isinstance(delivery_error(http_error(discord.NotFound, 404, 10003)), TransientFailure)
    server = delivery_error(http_error(discord.DiscordServerError, 502, 0))
    assert isinstance(server, TransientFailure)
    assert "502" in str(server)
    assert isinstance(
        delivery_error(http_error(discord.HTTPException, 400, 50035)), TransientFailure
    )
    assert isinstance(delivery_error(aiohttp.ServerDisconnectedError()), TransientFailure)
    assert isinstance(delivery_error(OSError("reset")), TransientFailure)
    limited = delivery_error(discord.RateLimited(120.0))
    assert isinstance(limited, RateLimited)
    assert (limited.retry_after, limited.scope) == (120.0, "discord")


def test_invite_url() -> None:
    assert invite_url(42) == (
        "https://discord.com/oauth2/authorize?client_id=42"
        "&scope=bot+applications.commands&permissions=2147503104"
    )
