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
from typing import Any

from core.commands.common import PAIR_OPT, my_pair, names, spend_allowance
from core.context import Context
from core.errors import Conflict, NotAllowed
from core.i18n import N_, _, n_
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
        if not agreed(pair, me):
            why = _(
                "Messages aren't relayed in pair #{pair}: you haven't turned it on; nothing "
                "was sent.",
                pair=pair.id,
            )
        else:
            why = _(
                "Messages aren't relayed in pair #{pair}: {partner} hasn't turned it on; "
                "nothing was sent.",
                pair=pair.id,
                partner=partner_name,
            )
        raise Conflict(
            why, hint=_("Both of you send `relay on pair={pair}` to use it.", pair=pair.id)
        )
    text = clean_text(args["text"], what=_("message"), limit=LONG_TEXT_MAX)
    too_many = NotAllowed(
        n_(
            "You sent {count} message in the last hour; nothing was sent.",
            "You sent {count} messages in the last hour; nothing was sent.",
            RELAYS_PER_HOUR,
        ),
        hint=_("Try again later."),
    )
    await spend_allowance(ctx, f"person:{me}", RELAYED, per_hour=RELAYS_PER_HOUR, refused=too_many)
    if me == pair.mentor_id:
        title = _("{name} (your mentor, pair #{pair}) says:", name=my_name, pair=pair.id)
    else:
        title = _("{name} (your mentee, pair #{pair}) says:", name=my_name, pair=pair.id)
    answer = _("Answer with `say pair={pair} <your message>`.", pair=pair.id)
    relayed = Notice(
        partner,
        Reply(f"{text}\n\n{answer}", title=title),
        key=f"relay:{pair.id}:{me}:{secrets.token_hex(8)}",
        kind=RELAYED,
        ephemeral=True,
    )
    return Outcome(
        [Reply(_("Passed on to {name}. I keep no copy once it's delivered.", name=partner_name))],
        [relayed],
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
        said = _(
            "Relaying is off for pair #{pair}: nothing goes through me any more.", pair=pair.id
        )
    elif pair.relays:
        said = _(
            "Relaying is on for pair #{pair}: send `say <message>` to write to {partner}.",
            pair=pair.id,
            partner=partner_name,
        )
    else:
        said = _(
            "You agreed to relayed messages in pair #{pair}; once {partner} sends "
            "`relay on pair={pair}` too, `say <message>` reaches them.",
            pair=pair.id,
            partner=partner_name,
        )
    return Outcome([Reply(said)])


def relay_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "say",
            N_("Send your partner a message through the bot, on their messenger"),
            cmd_say,
            args=(
                PAIR_OPT,
                Arg(
                    "text",
                    ArgKind.TEXT,
                    N_("the message"),
                    rest=True,
                    verbatim=True,
                    max_len=LONG_TEXT_MAX,
                ),
            ),
            group=N_("Goals and notes"),
            examples=("say Thanks for today!", "say pair=3 Can we move Thursday's call?"),
            details=(
                N_(
                    "Only when both of you turned relaying on (`relay on`, or by agreeing to "
                    "messages relayed by mentorhub). No copy is kept once it's delivered."
                ),
            ),
        ),
        CommandSpec(
            "relay",
            N_("Turn messages relayed between you and your partner on or off"),
            cmd_relay,
            args=(
                PAIR_OPT,
                Arg("switch", ArgKind.CHOICE, N_("on or off"), choices=("on", "off")),
            ),
            group=N_("Goals and notes"),
            examples=("relay on", "relay off pair=3"),
        ),
    ]
