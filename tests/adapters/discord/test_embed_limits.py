"""Discord refuses a message whose embeds hold more than 6,000 characters in all (title,
description, field names and values, footer, author) with 400 / 50035
MAX_EMBED_SIZE_EXCEEDED; FakeDiscord does too. What the adapter sends stays within every
embed limit, and long text is split over embeds instead of cut. Real discord.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.messages import Field, Reply
from tests.adapters.discord.harness import ANN, Harness, dm_of
from tests.adapters.discord.test_fallback import account_of, say
from tests.fakes.discord_api import option
from tests.journeys.test_scale_reads import grow

pytestmark = pytest.mark.timeout(30)

NOW = datetime(2026, 5, 4, 9, tzinfo=UTC)


def embed_chars(message: dict[str, Any]) -> int:
    total = 0
    for embed in message.get("embeds") or []:
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return total


async def test_a_big_status_reaches_its_coordinator(
    h: Harness, app: Mentorhub, clock: ManualClock
) -> None:
    """75 people, 30 running pairs (most at risk), long lists of waiting mentees and free
    mentors: one answer, within Discord's limits."""
    await say(app, ANN, "Ann", "start", "name=Ann timezone=UTC languages=en")
    assert "created" in await say(app, ANN, "Ann", "newprogram", "prog Test program")
    await grow(app, pairs=30, waiting=7)
    clock.set(NOW)
    token = await h.slash("status", option("program", "prog"), user=ANN)
    (status,) = await h.replies(token)
    assert status["embeds"] and embed_chars(status) <= 6000
    fields = {f["name"]: f["value"] for e in status["embeds"] for f in e.get("fields", [])}
    assert fields["At risk"] == "30"


async def test_a_long_notice_arrives_whole_over_several_embeds(h: Harness, app: Mentorhub) -> None:
    await say(app, ANN, "Ann", "start", "name=Ann timezone=UTC languages=en")
    lines = [f"line {n:03}: " + "z" * 60 for n in range(75)]  # 5,400 characters
    await h.messenger.send(await account_of(app, ANN), Reply("\n".join(lines), title="Pairs"))
    (sent,) = dm_of(h, ANN)
    descriptions = "\n".join(e["description"] for e in sent["embeds"])
    assert descriptions == "\n".join(lines)  # nothing cut
    assert sent["embeds"][0]["title"] == "Pairs"
    assert embed_chars(sent) <= 6000


async def test_an_error_with_fields_up_to_the_limit_is_not_refused(
    h: Harness, app: Mentorhub
) -> None:
    await say(app, ANN, "Ann", "start", "name=Ann timezone=UTC languages=en")
    fields = tuple(Field("a", "v" * 999) for _ in range(4))
    reply = Reply("w" * 2988, fields=fields, is_error=True)
    await h.messenger.send(await account_of(app, ANN), reply)
    (sent,) = dm_of(h, ANN)
    assert embed_chars(sent) <= 6000
    assert sent["embeds"][-1]["fields"][-1]["value"] == "(shortened)"
