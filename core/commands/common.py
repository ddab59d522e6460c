"""Lookups and checks shared by the mentoring commands."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.context import Context
from core.errors import Conflict, InvalidInput, MentorhubError, NotAllowed, NotFound
from core.i18n import N_, _, is_deferred, p_
from core.identity import Person
from core.messages import Action, Choice
from core.model import Agreement, Enrollment, Pair, PairStatus, Program, Role
from core.registry import Arg, ArgKind, CommandSpec
from core.services import lookups
from core.services.wording import fmt_day as fmt_day  # commands format days through here

PAIR_OPT = Arg(
    "pair", ArgKind.INT, N_("which pair (if you have several)"),
    required=False, low=1, high=10**9, named_only=True,
)  # fmt: skip
PROGRAM_OPT = Arg(
    "program", ArgKind.PROGRAM, N_("which program (if you're in several)"),
    required=False, named_only=True,
)  # fmt: skip
PROGRAM_ARG = Arg("program", ArgKind.PROGRAM, N_("the program's short name"))


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
        raise NotFound(
            _("There's no program '{program}'.", program=ref[:32]),
            hint=_("Send `programs` to see them."),
        )
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
            _("I don't know anyone called @{handle}.", handle=ref[:24]),
            hint=_("Handles look like @alice_smith."),
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
        raise InvalidInput(
            _("{command} needs a program.", command=spec.name),
            hint=_("Usage: {usage}", usage=spec.usage()),
        )
    program = await program_by_ref(ctx, str(ref))
    if not await is_coordinator(ctx, program):
        raise NotAllowed(
            _(
                "Only coordinators of {program} can use `{command}`.",
                program=program.name,
                command=spec.name,
            ),
            hint=_("Ask a coordinator if you need this done."),
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
        raise NotFound(
            _("You haven't joined a program yet."), hint=_("Send `programs` to find one.")
        )
    raise InvalidInput(
        _("You're in several programs; which one?"),
        hint=_("Add `program=<name>`, e.g. `program=design`."),
    )


async def enrollment_of(ctx: Context, program: Program, person_id: int, role: Role) -> Enrollment:
    assert program.id is not None
    found = await ctx.uow.enrollments.find(program.id, person_id, role)
    if found is None or not found.active:
        raise NotFound(_not_in_role(role, program.name))
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
            raise NotFound(
                _("You have no pair #{pair}.", pair=int(args["pair"])),
                hint=_("Send `pairs` to see yours."),
            )
        if reading and pair.status is PairStatus.ENDED:
            return pair
        if pair.status not in wanted:
            raise Conflict(_not_workable(pair), hint=_("Send `pairs` to see yours."))
        return pair
    candidates = [p for p in await ctx.uow.pairs.of_person(me) if p.status in wanted]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFound(
            _("You don't have a mentoring pair right now."), hint=_("Send `pairs` to see yours.")
        )
    ids = ", ".join(f"#{p.id}" for p in candidates)
    verb = ctx.verb
    choices = []
    for pair in candidates:
        (partner,) = await names(ctx, pair.partner_of(me))
        # the label stays within a button's 60 characters: "#12 with " and a name cut to fit
        # (a name the bot supplies itself, "someone", may be a message: never cut one)
        shown = partner if is_deferred(partner) else partner[:40]
        label = _("#{pair} with {partner}", pair=str(pair.id), partner=shown)
        choices.append(Choice(label, Action.command(verb, f"pair={pair.id}").encode()))
    raise InvalidInput(
        _("You have several pairs ({pairs}); which one?", pairs=ids),
        hint=_("Tap one, or add `pair=<number>`."),
        choices=tuple(choices) if verb else (),
    )


def _not_workable(pair: Pair) -> str:
    """Why a pair named by number can't be acted on (a button can outlive its pair)."""
    if pair.status is PairStatus.ENDED:
        return _(
            "Pair #{pair} has ended, so nothing can be changed in it; nothing changed.",
            pair=str(pair.id),
        )
    if pair.status is PairStatus.AWAITING:
        return _(
            "#{pair} is a request that hasn't been answered yet; nothing changed.",
            pair=str(pair.id),
        )
    return _("#{pair} was a request that never became a pair; nothing changed.", pair=str(pair.id))


def _not_in_role(role: Role, program: str) -> str:
    if role is Role.MENTOR:
        return _("That person isn't a mentor in {program}.", program=program)
    if role is Role.MENTEE:
        return _("That person isn't a mentee in {program}.", program=program)
    return _("That person isn't a coordinator in {program}.", program=program)


def status_shown(status: PairStatus) -> str:
    """A pair's status as a person reads it (the stored value stays English)."""
    return {
        # Translators: a pair's status
        PairStatus.AWAITING: p_("pair status", "awaiting"),
        PairStatus.DECLINED: p_("pair status", "declined"),
        PairStatus.EXPIRED: p_("pair status", "expired"),
        PairStatus.AGREEING: p_("pair status", "agreeing"),
        PairStatus.ACTIVE: p_("pair status", "active"),
        PairStatus.PAUSED: p_("pair status", "paused"),
        PairStatus.ENDED: p_("pair status", "ended"),
    }[status]


async def names(ctx: Context, *person_ids: int) -> list[str]:
    return await lookups.names(ctx.uow, *person_ids)


async def pair_label(ctx: Context, pair: Pair) -> str:
    mentor, mentee = await names(ctx, pair.mentor_id, pair.mentee_id)
    return _(
        "#{pair} {mentor} (mentor) & {mentee} (mentee)",
        pair=str(pair.id),
        mentor=mentor,
        mentee=mentee,
    )


async def agreement_in_force(ctx: Context, pair: Pair) -> Agreement | None:
    return await lookups.agreement_in_force(ctx.uow, pair)


async def pending_proposal(ctx: Context, pair: Pair) -> Agreement | None:
    assert pair.id is not None
    proposed = [a for a in await ctx.uow.agreements.of_pair(pair.id) if a.status == "proposed"]
    return proposed[-1] if proposed else None


def require_status(pair: Pair, *allowed: PairStatus, refused: Callable[[int, str], str]) -> None:
    """``refused(pair, status)``: the whole sentence saying why not, e.g. "Pair #3 is
    ended, so you can't pause it now." (one message per action: its grammar is its own)."""
    if pair.status not in allowed:
        assert pair.id is not None
        raise Conflict(refused(pair.id, status_shown(pair.status)))


async def spend_allowance(
    ctx: Context, key: str, kind: str, *, per_hour: int, refused: MentorhubError
) -> None:
    """Count one more ``kind`` for ``key`` (e.g. "person:3"), or raise ``refused`` when
    ``per_hour`` of them were counted in the last hour: nothing is done for a refusal."""
    now = ctx.now()
    if await ctx.uow.links.count(key, kind, since=now - timedelta(hours=1)) >= per_hour:
        raise refused
    await ctx.uow.links.record(key, kind, at=now)
