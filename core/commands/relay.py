"""Messages between partners through the bot: `say`, and `relay on|off`.

Partners on different messengers can't write to each other directly; with both their
yes (the agreement's "where you talk" step, or `relay on` later), `say <text>` passes a
message to the partner on their own messenger. The bot keeps no copy once it is
delivered (the notice is ephemeral), coordinators never see it, and it names the sender
by their mentorhub name only: no handle or number the sender didn't write themselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from core.commands.common import PAIR_OPT, my_pair, names
from core.context import Context
from core.errors import Conflict, NotAllowed
from core.messages import Notice, Outcome, Reply
from core.model import Pair
from core.registry import Arg, ArgKind, CommandSpec
from core.text import LONG_TEXT_MAX, clean_text

RELAY_CHANNEL = "messages relayed by mentorhub"  # the agreement's channel that turns it on
RELAYS_PER_HOUR = 20
RELAYED = "relay"


def agree_to_relay(pair: Pair, person_id: int, yes: bool) -> None:
    if person_id == pair.mentor_id:
        pair.relay_mentor = yes
    else:
        pair.relay_mentee = yes


def agreed(pair: Pair, person_id: int) -> bool:
    return pair.relay_mentor if person_id == pair.mentor_id else pair.relay_mentee


async def cmd_say(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args)
    assert pair.id is not None
    me = ctx.my_id()
    partner = pair.partner_of(me)
    my_name, partner_name = await names(ctx, me, partner)
    if not pair.relays:
        who = "you haven't" if not agreed(pair, me) else f"{partner_name} hasn't"
        raise Conflict(
            f"Messages aren't relayed in pair #{pair.id}: {who} turned it on; nothing was sent.",
            hint=f"Both of you send `relay on pair={pair.id}` to use it.",
        )
    now, key = ctx.now(), f"person:{me}"
    if await ctx.uow.links.count(key, RELAYED, since=now - timedelta(hours=1)) >= RELAYS_PER_HOUR:
        raise NotAllowed(
            f"You sent {RELAYS_PER_HOUR} messages in the last hour; nothing was sent.",
            hint="Try again later.",
        )
    text = clean_text(args["text"], what="message", limit=LONG_TEXT_MAX)
    await ctx.uow.links.record(key, RELAYED, at=now)
    role = "mentor" if me == pair.mentor_id else "mentee"
    relayed = Notice(
        partner,
        Reply(
            f"{text}\n\nAnswer with `say pair={pair.id} <your message>`.",
            title=f"{my_name} (your {role}, pair #{pair.id}) says:",
        ),
        key=f"relay:{pair.id}:{me}:{secrets.token_hex(8)}",
        kind=RELAYED,
        ephemeral=True,
    )
    return Outcome(
        [Reply(f"Passed on to {partner_name}. I keep no copy once it's delivered.")], [relayed]
    )


async def cmd_relay(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args)
    assert pair.id is not None
    me = ctx.my_id()
    yes = args["switch"] == "on"
    agree_to_relay(pair, me, yes)
    await ctx.uow.pairs.save(pair)
    (partner_name,) = await names(ctx, pair.partner_of(me))
    if not yes:
        said = f"Relaying is off for pair #{pair.id}: nothing goes through me any more."
    elif pair.relays:
        said = (
            f"Relaying is on for pair #{pair.id}: send `say <message>` to write to {partner_name}."
        )
    else:
        said = (
            f"You agreed to relayed messages in pair #{pair.id}; once {partner_name} sends "
            f"`relay on pair={pair.id}` too, `say <message>` reaches them."
        )
    return Outcome([Reply(said)])


def relay_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "say",
            "Send your partner a message through the bot, on their messenger",
            cmd_say,
            args=(
                PAIR_OPT,
                Arg(
                    "text",
                    ArgKind.TEXT,
                    "the message",
                    rest=True,
                    verbatim=True,
                    max_len=LONG_TEXT_MAX,
                ),
            ),
            group="Goals and notes",
            examples=("say Thanks for today!", "say pair=3 Can we move Thursday's call?"),
            details=(
                "Only when both of you turned relaying on (`relay on`, or by agreeing to "
                "messages relayed by mentorhub). No copy is kept once it's delivered.",
            ),
        ),
        CommandSpec(
            "relay",
            "Turn messages relayed between you and your partner on or off",
            cmd_relay,
            args=(
                PAIR_OPT,
                Arg("switch", ArgKind.CHOICE, "on or off", choices=("on", "off")),
            ),
            group="Goals and notes",
            examples=("relay on", "relay off pair=3"),
        ),
    ]
