"""what send errors mean for the outbox."""

from __future__ import annotations

import aiohttp
import discord

from adapters.discord.adapter import delivery_error, invite_url
from core.delivery import RateLimited, TransientFailure, Unreachable


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
