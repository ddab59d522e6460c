"""what send errors mean for the outbox."""

from __future__ import annotations

import aiohttp
import discord

from adapters.discord.adapter import delivery_error, invite_url
from adapters.discord.pacing_rules import pacing
from adapters.discord.settings import DISCORD
from core.delivery import RateLimited, TransientFailure, Unreachable, _scope_named_by
from core.identity import PlatformAccount


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
    assert isinstance(limited, RateLimited) and limited.retry_after == 120.0
    # without its response, a limit is taken for the route's: the outbox pauses the
    # conversation, never the whole bot
    account = PlatformAccount(DISCORD, "", "42", person_id=1)
    scopes = pacing().scopes(account, opens_conversation=True)
    assert _scope_named_by(scopes, limited.scope).name == "discord:42"


def test_invite_url() -> None:
    assert invite_url(42) == (
        "https://discord.com/oauth2/authorize?client_id=42"
        "&scope=bot+applications.commands&permissions=2147503104"
    )
