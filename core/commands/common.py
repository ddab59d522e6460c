"""Lookups and checks shared by the mentoring commands."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from core.context import Context
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.identity import Person
from core.messages import Action, Choice
from core.model import Agreement, Enrollment, Pair, PairStatus, Program, Role
from core.registry import Arg, ArgKind, CommandSpec
from core.services import lookups
from core.services.wording import fmt_day as fmt_day  # commands format days through here

PAIR_OPT = Arg(
    "pair", ArgKind.INT, "which pair (if you have several)",
    required=False, low=1, high=10**9, named_only=True,
)  # fmt: skip
PROGRAM_OPT = Arg(
    "program", ArgKind.PROGRAM, "which program (if you're in several)",
    required=False, named_only=True,
)  # fmt: skip
PROGRAM_ARG = Arg("program", ArgKind.PROGRAM, "the program's short name")


def local_today(ctx: Context, person: Person | None = None) -> date:
    who = person or ctx.person
    zone = ZoneInfo(who.timezone) if who else ZoneInfo("UTC")
    return ctx.now().astimezone(zone).date()


async def program_by_ref(ctx: Context, ref: str) -> Program:
    program = None
    if ref.startswith("#") and ref[1:].isdigit():
        program = await ctx.uow.programs.get(int(ref[1:]))
    else:
        program = await ctx.uow.programs.by_slug(ref.lower())
    if program is None:
        raise NotFound(f"There's no program '{ref[:32]}'.", hint="Send `programs` to see them.")
    return program


async def person_by_ref(ctx: Context, ref: str) -> Person:
    ref = ref.strip().lstrip("@")
    person = None
    if ref.startswith("#") and ref[1:].isdigit():
        person = await ctx.uow.people.get(int(ref[1:]))
    else:
        person = await ctx.uow.people.by_handle(ref.lower())
    if person is None:
        raise NotFound(
            f"I don't know anyone called @{ref[:24]}.", hint="Handles look like @alice_smith."
        )
    return person


async def is_coordinator(ctx: Context, program: Program) -> bool:
    assert program.id is not None
    if ctx.person is None or ctx.person.id is None:
        return False
    found = await ctx.uow.enrollments.find(program.id, ctx.person.id, Role.COORDINATOR)
    return found is not None and found.active


async def coordinates_any(ctx: Context) -> bool:
    """Whether the actor coordinates some program: only they are shown coordinator commands."""
    if ctx.person is None or ctx.person.id is None:
        return False
    return await lookups.coordinates_any(ctx.uow, ctx.person.id)


async def coordinator_guard(ctx: Context, spec: CommandSpec, args: dict[str, Any]) -> Program:
    """The hub calls this before every coordinator-only command; the program it returns
    is handed to the command's handler."""
    assert spec.program_arg is not None
    ref = args.get(spec.program_arg)
    if ref is None:
        raise InvalidInput(f"{spec.name} needs a program.", hint=f"Usage: {spec.usage()}")
    program = await program_by_ref(ctx, str(ref))
    if not await is_coordinator(ctx, program):
        raise NotAllowed(
            f"Only coordinators of {program.name} can use `{spec.name}`.",
            hint="Ask a coordinator if you need this done.",
        )
    return program


async def coordinators_of(ctx: Context, program: Program) -> list[int]:
    return await lookups.coordinators_of(ctx.uow, program)


async def my_program(ctx: Context, args: Mapping[str, Any], role: Role | None = None) -> Program:
    """The program named in args, else the only one the actor takes part in (in ``role``)."""
    if args.get("program"):
        return await program_by_ref(ctx, str(args["program"]))
    enrollments = [
        e
        for e in await ctx.uow.enrollments.of_person(ctx.my_id())
        if role is None or e.role is role
    ]
    program_ids = sorted({e.program_id for e in enrollments})
    if len(program_ids) == 1:
        program = await ctx.uow.programs.get(program_ids[0])
        assert program is not None
        return program
    if not program_ids:
        raise NotFound("You haven't joined a program yet.", hint="Send `programs` to find one.")
    raise InvalidInput(
        "You're in several programs; which one?",
        hint="Add `program=<name>`, e.g. `program=design`.",
    )


async def enrollment_of(ctx: Context, program: Program, person_id: int, role: Role) -> Enrollment:
    assert program.id is not None
    found = await ctx.uow.enrollments.find(program.id, person_id, role)
    if found is None or not found.active:
        raise NotFound(f"That person isn't a {role.value} in {program.name}.")
    return found


async def open_pairs(ctx: Context, person_id: int) -> list[Pair]:
    return [p for p in await ctx.uow.pairs.of_person(person_id) if p.status.is_open]


async def my_pair(
    ctx: Context,
    args: Mapping[str, Any],
    *,
    statuses: tuple[PairStatus, ...] = (),
    reading: bool = False,
) -> Pair:
    """The pair named by ``pair`` in args (an id), else the actor's only matched open pair.
    ``reading``: the command only shows the pair's history, so an ended pair named by its
    number is fine too (nothing in it changes)."""
    me = ctx.my_id()
    wanted = statuses or (PairStatus.AGREEING, PairStatus.ACTIVE, PairStatus.PAUSED)
    if args.get("pair") is not None:
        pair = await ctx.uow.pairs.get(int(args["pair"]))
        if pair is None or not pair.has(me):
            raise NotFound(f"You have no pair #{args['pair']}.", hint="Send `pairs` to see yours.")
        if reading and pair.status is PairStatus.ENDED:
            return pair
        if pair.status not in wanted:
            raise Conflict(_not_workable(pair), hint="Send `pairs` to see yours.")
        return pair
    candidates = [p for p in await ctx.uow.pairs.of_person(me) if p.status in wanted]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFound(
            "You don't have a mentoring pair right now.", hint="Send `pairs` to see yours."
        )
    ids = ", ".join(f"#{p.id}" for p in candidates)
    verb = ctx.verb
    choices = []
    for pair in candidates:
        (partner,) = await names(ctx, pair.partner_of(me))
        choices.append(
            Choice(
                f"#{pair.id} with {partner}"[:60], Action.command(verb, f"pair={pair.id}").encode()
            )
        )
    raise InvalidInput(
        f"You have several pairs ({ids}); which one?",
        hint="Tap one, or add `pair=<number>`.",
        choices=tuple(choices) if verb else (),
    )


def _not_workable(pair: Pair) -> str:
    """Why a pair named by number can't be acted on (a button can outlive its pair)."""
    if pair.status is PairStatus.ENDED:
        return f"Pair #{pair.id} has ended, so nothing can be changed in it; nothing changed."
    if pair.status is PairStatus.AWAITING:
        return f"#{pair.id} is a request that hasn't been answered yet; nothing changed."
    return f"#{pair.id} was a request that never became a pair; nothing changed."


async def names(ctx: Context, *person_ids: int) -> list[str]:
    return await lookups.names(ctx.uow, *person_ids)


async def pair_label(ctx: Context, pair: Pair) -> str:
    mentor, mentee = await names(ctx, pair.mentor_id, pair.mentee_id)
    return f"#{pair.id} {mentor} (mentor) & {mentee} (mentee)"


async def agreement_in_force(ctx: Context, pair: Pair) -> Agreement | None:
    return await lookups.agreement_in_force(ctx.uow, pair)


async def pending_proposal(ctx: Context, pair: Pair) -> Agreement | None:
    assert pair.id is not None
    proposed = [a for a in await ctx.uow.agreements.of_pair(pair.id) if a.status == "proposed"]
    return proposed[-1] if proposed else None


def require_status(pair: Pair, *allowed: PairStatus, doing: str) -> None:
    if pair.status not in allowed:
        raise Conflict(f"Pair #{pair.id} is {pair.status.value}, so you can't {doing} now.")
