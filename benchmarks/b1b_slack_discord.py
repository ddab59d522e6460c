"""B1b: one fan-out to Slack (several workspaces) and Discord at once, through one worker.

Stand-ins, each in its own process: FakeSlack (tests/fakes/slack_api.py) with ~1 post per
second per channel and Slack's per-workspace cap (525/min, the figure one vendor
self-limits to), three workspaces with their own bot tokens; and a Discord REST stub
(benchmarks/discord_stub.py: 50 requests per rolling second, 5 per 5 s per channel) —
all with 150 ms round trips. Senders are the real slack-sdk ``AsyncWebClient`` and plain
aiohttp for Discord. Our pacing: 500/min per Slack workspace, 48/s for Discord.

Each workspace gets more messages than its cap allows in a minute (700 quick, 1,200 full,
each to its own channel), so the run lasts well over a minute per workspace and the
per-workspace cap, not the per-channel one, is what binds: the busiest rolling minute is
measured against the 525 the stand-in allows.

Mid-run, one message to workspace T1 is answered 429 with Retry-After 5 s: the worker must
pause T1 only — the other workspaces and Discord keep their pace. A few Discord recipients
have no DM channel yet: opening DMs is budgeted (60/hour, burst 5) and the rest waits in
the table. Beside it, sequential sends to each stand-in (bounded samples).

Losses and duplicates are counted by identity on both platforms: the Slack channels and
Discord users the stand-ins accepted against the ones queued.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from adapters.discord import DiscordConfig
from adapters.slack import SlackConfig
from benchmarks.common import Scale, Section, fresh_sqlite, median, ms, percentile
from benchmarks.fake_host import stand_in
from benchmarks.fanout import Recipient, drain, make_worker, seed, windows
from benchmarks.senders import DiscordHttpSender, SlackWebSender
from bots.messengers import pacing_rules
from core.identity import Platform

TEAMS = {"xoxb-bench-t1": "T1", "xoxb-bench-t2": "T2", "xoxb-bench-t3": "T3"}
SLACK_CAP_PER_MIN = 525
OUR_SLACK_PER_MIN = 500
DISCORD_CEILING = 50.0
DISCORD_TOKEN = "bench-discord-token"
STORM_SECONDS = 5


def slack_clients(api_url: str) -> dict[str, Any]:
    from slack_sdk.web.async_client import AsyncWebClient

    return {team: AsyncWebClient(token=token, base_url=api_url) for token, team in TEAMS.items()}


def recipients(per_team: int, discord: int, new_dms: int) -> list[Recipient]:
    slack = [
        (Platform("slack"), team, f"U{team}{i:05d}")
        for i in range(per_team)
        for team in TEAMS.values()
    ]
    dms = [
        (Platform("discord"), "", str(800_000_000_000_000 + i)) for i in range(discord + new_dms)
    ]
    mixed: list[Recipient] = []
    for i in range(max(len(slack), len(dms))):  # interleaved, as one nudge to everyone
        mixed.extend(x[i] for x in (slack, dms) if i < len(x))
    return mixed


def rate_during(stamps: list[float], start: float, end: float) -> float:
    return sum(start <= s < end for s in stamps) / (end - start)


def busiest_minute(stamps: list[float]) -> int:
    """The most sends in any 60-second window (stamps sorted)."""
    most, first = 0, 0
    for last, stamp in enumerate(stamps):
        while stamp - stamps[first] >= 60.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def by_identity(delivered: list[str], expected: set[str]) -> dict[str, int]:
    got = set(delivered)
    return {
        "lost": len(expected - got),
        "duplicated": len(delivered) - len(got),
        "unexpected": len(got - expected),
    }


async def ours(scale: Scale, work: Path) -> dict[str, Any]:
    per_team = scale.pick(700, 1_200)  # > 525: the per-workspace cap binds
    discord_n = scale.pick(1_000, 3_000)
    new_dms = 20
    people = recipients(per_team, discord_n, new_dms)
    url = await fresh_sqlite(work / "b1b.db")
    await seed(url, people)
    storm_user = "UT100000"  # T1's first message: the others have work all through the pause
    async with (
        stand_in(
            "slack",
            separate=scale.separate_fakes,
            rtt=0.15,
            per_channel_rate=1.0,
            workspace_rate_per_min=SLACK_CAP_PER_MIN,
            workspaces=TEAMS,
        ) as slack,
        stand_in("discord", separate=scale.separate_fakes, rtt=0.15) as discord,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session,
    ):
        known = [u for p, _, u in people if p is Platform("discord")][:discord_n]
        channels = (await discord.command("preopen", users=known))["channels"]
        slack_sender = SlackWebSender(slack_clients(slack.url))
        discord_sender = DiscordHttpSender(session, discord.url, DISCORD_TOKEN)
        discord_sender.channels.update(channels)
        await slack.command(
            "fail_next",
            method="chat.postMessage",
            error="ratelimited",
            status=429,
            retry_after=STORM_SECONDS,
            channel=storm_user,
            times=1,
        )
        pacing = pacing_rules(
            {
                "slack": SlackConfig(workspace_messages_per_minute=OUR_SLACK_PER_MIN),
                "discord": DiscordConfig(new_dms_per_hour=60),
            }
        )
        engine, worker = make_worker(
            url,
            {Platform("slack"): slack_sender, Platform("discord"): discord_sender},
            pacing=pacing,
            senders_per_platform=16,
        )
        started = time.perf_counter()
        report = await drain(url, worker)
        elapsed = time.perf_counter() - started
        await engine.dispose()
        slack_stats = await slack.command("stats")
        discord_stats = await discord.command("stats")
    return {
        "people": people,
        "per_team": per_team,
        "discord_n": discord_n,
        "new_dms": new_dms,
        "elapsed": elapsed,
        "report": report,
        "started": started,
        "slack": slack_sender.record,
        "discord": discord_sender.record,
        "slack_stats": slack_stats,
        "discord_stats": discord_stats,
        "dm_opened": discord_sender.dm_opened,
    }


async def sequential_slack(count: int, separate: bool) -> float:
    async with stand_in(
        "slack", separate=separate, rtt=0.15, per_channel_rate=1.0, workspaces=TEAMS
    ) as slack:
        clients = slack_clients(slack.url)
        teams = list(clients)
        started = time.perf_counter()
        for i in range(count):
            team = teams[i % len(teams)]
            await clients[team].chat_postMessage(channel=f"U{team}{i:05d}", text="check-in")
        return count / (time.perf_counter() - started)


async def sequential_discord(count: int, separate: bool) -> float:
    async with (
        stand_in("discord", separate=separate, rtt=0.15) as discord,
        aiohttp.ClientSession() as session,
    ):
        users = [str(900_000_000_000_000 + i) for i in range(count)]
        sender = DiscordHttpSender(session, discord.url, DISCORD_TOKEN)
        sender.channels.update((await discord.command("preopen", users=users))["channels"])
        started = time.perf_counter()
        for user in users:
            await sender._post(
                f"/channels/{sender.channels[user]}/messages", {"content": "check-in"}, ""
            )
        return count / (time.perf_counter() - started)


async def run(scale: Scale) -> list[Section]:
    with tempfile.TemporaryDirectory(prefix="mentorhub-b1b-") as tmp:
        result = await ours(scale, Path(tmp))
    seq_slack = await sequential_slack(scale.pick(40, 100), scale.separate_fakes)
    seq_discord = await sequential_discord(scale.pick(40, 100), scale.separate_fakes)

    slack, discord = result["slack"], result["discord"]
    t1, t2, t3 = (slack.by_scope.get(team, []) for team in ("T1", "T2", "T3"))
    known_dc = discord.by_scope.get("known", [])
    # The storm: T1's longest silence after its first message.
    gaps = [(b - a, a) for a, b in itertools.pairwise(t1)]
    pause, pause_start = max(gaps) if gaps else (0.0, result["started"])
    pause_end = pause_start + pause
    others_steady = {
        "T2": median(windows(t2, t2[0], t2[-1])),
        "T3": median(windows(t3, t3[0], t3[-1])),
        "Discord": median(windows(known_dc, known_dc[0], known_dc[-1])),
    }
    others_in_storm = {
        "T2": rate_during(t2, pause_start, pause_end),
        "T3": rate_during(t3, pause_start, pause_end),
        "Discord": rate_during(known_dc, pause_start, pause_end),
    }
    slack_ceiling = SLACK_CAP_PER_MIN / 60
    discord_known = result["discord_n"]
    per_team_rate = {
        team: len(s) / (s[-1] - s[0] + 1 / (OUR_SLACK_PER_MIN / 60))
        for team, s in (("T2", t2), ("T3", t3))
    }
    t1_active = len(t1) / (t1[-1] - t1[0] - pause + 1 / (OUR_SLACK_PER_MIN / 60))
    # Over the sends to known DM channels: a new DM opened a minute later (the new-DM
    # budget) is not part of the 50/s fan-out.
    discord_span = known_dc[-1] - known_dc[0] + 1 / 48
    discord_rate = len(known_dc) / discord_span
    slack_total = len(slack.accepted) / (slack.accepted[-1] - result["started"])
    people = result["people"]
    slack_ids = by_identity(
        result["slack_stats"]["delivered"],
        {f"{w}:{u}" for p, w, u in people if p is Platform("slack")},
    )
    discord_users = [u for p, _, u in people if p is Platform("discord")]
    known, new = set(discord_users[:discord_known]), set(discord_users[discord_known:])
    delivered_dc = result["discord_stats"]["delivered_users"]
    # Every known user must get the nudge; of the new ones, exactly those whose DM was
    # opened now (the rest wait for the new-DM budget: not lost).
    discord_ids = by_identity(delivered_dc, known | new)
    discord_ids["lost"] = len(known - set(delivered_dc))
    new_delivered = len(new & set(delivered_dc))
    minutes = {team: busiest_minute(s) for team, s in (("T1", t1), ("T2", t2), ("T3", t3))}

    section = Section("B1b", "fan-out to Slack (3 workspaces) and Discord at once, one worker")
    section.row(
        "Slack, per workspace",
        f"T2 {per_team_rate['T2']:.2f}/s, T3 {per_team_rate['T3']:.2f}/s, "
        f"T1 {t1_active:.2f}/s outside its pause (cap {slack_ceiling:.2f}/s each; "
        f"{result['per_team']:,} msgs each)",
        f"sequential {seq_slack:.1f}/s over all workspaces",
    )
    section.row(
        "Slack, busiest rolling minute",
        ", ".join(f"{team} {n}" for team, n in minutes.items())
        + f" (the stand-in allows {SLACK_CAP_PER_MIN}; we pace to {OUR_SLACK_PER_MIN})",
    )
    section.row(
        "Slack, all workspaces",
        f"{slack_total:.1f} msg/s ({len(slack.accepted):,} msgs, incl. T1's {pause:.1f} s pause)",
    )
    section.row(
        "Discord (DM channels known)",
        f"{discord_rate:.1f} msg/s ({discord_known:,} msgs; ceiling {DISCORD_CEILING:.0f}/s)",
        f"sequential {seq_discord:.1f}/s",
    )
    section.row(
        "429 on T1 (Retry-After 5 s)",
        f"T1 paused {pause:.1f} s; meanwhile T2 {others_in_storm['T2']:.1f}/s, "
        f"T3 {others_in_storm['T3']:.1f}/s, Discord {others_in_storm['Discord']:.1f}/s "
        f"(steady {others_steady['T2']:.0f}, {others_steady['T3']:.0f}, "
        f"{others_steady['Discord']:.0f})",
    )
    section.row(
        "new DMs (budget 60/h, burst 5)",
        f"{result['dm_opened']} opened now (a restarted budget starts with one token), "
        f"{new_delivered} of them delivered, "
        f"{result['new_dms'] - result['dm_opened']} wait in the table, ~1 a minute",
    )
    section.row(
        "429s / lost / duplicated / unexpected (by identity)",
        f"Slack {result['slack_stats']['rejected_429']} (1 scripted) / {slack_ids['lost']} / "
        f"{slack_ids['duplicated']} / {slack_ids['unexpected']}; "
        f"Discord {result['discord_stats']['rejected_429']} / {discord_ids['lost']} / "
        f"{discord_ids['duplicated']} / {discord_ids['unexpected']}",
    )
    section.row(
        "send round trip p50 / p99",
        f"Slack {ms(median(slack.round_trips))} / {ms(percentile(slack.round_trips, 99))}; "
        f"Discord {ms(median(discord.round_trips))} / {ms(percentile(discord.round_trips, 99))}",
    )
    section.row("worker report", str(result["report"]).replace("DeliveryReport", ""))
    for team, value in per_team_rate.items():
        section.check(
            f"Slack {team} ≥ 90 % of its cap",
            value >= 0.9 * slack_ceiling,
            f"{value / slack_ceiling:.0%}",
        )
    section.check(
        "Slack: each workspace's busiest minute ≥ 90 % of the 525/min cap",
        all(n >= 0.9 * SLACK_CAP_PER_MIN for n in minutes.values()),
        ", ".join(f"{team} {n / SLACK_CAP_PER_MIN:.0%}" for team, n in minutes.items()),
    )
    section.check(
        "Discord ≥ 90 % of 50/s",
        discord_rate >= 0.9 * DISCORD_CEILING,
        f"{discord_rate / DISCORD_CEILING:.0%}",
    )
    section.check(
        "a 429 pauses only its own scope",
        pause >= STORM_SECONDS - 0.5
        and all(others_in_storm[k] >= 0.8 * others_steady[k] for k in others_steady),
        "T1 paused; others kept ≥ 80 % of their steady rate during it",
    )
    clean = all(v == 0 for ids in (slack_ids, discord_ids) for v in ids.values())
    section.check(
        "0 lost, 0 duplicated (Slack and Discord, by identity)",
        clean and new_delivered == result["dm_opened"],
        f"Slack {slack_ids['lost']} / {slack_ids['duplicated']}, "
        f"Discord {discord_ids['lost']} / {discord_ids['duplicated']}"
        + (
            ""
            if new_delivered == result["dm_opened"]
            else f"; {result['dm_opened'] - new_delivered} opened DMs got nothing"
        ),
    )
    return [section]
