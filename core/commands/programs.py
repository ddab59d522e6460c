"""Programs and who takes part: newprogram, programs, program, configure, enroll, leave,
coordinator."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.commands.common import (
    PROGRAM_ARG,
    coordinators_of,
    fmt_day,
    is_coordinator,
    open_pairs,
    person_by_ref,
    program_by_ref,
)
from core.context import Context
from core.dialogs import SKIP, Data, Flow, Prompt, Step
from core.errors import Conflict, InvalidInput, NotFound
from core.messages import Action, Choice, Field, Notice, Outcome, Reply
from core.model import CADENCES, Enrollment, Matching, Mode, Program, Role
from core.registry import Access, Arg, ArgKind, CommandSpec, ForCoordinators
from core.services.wording import cadence_label as cadence_label
from core.text import SHORT_TEXT_MAX, clean_date, clean_int, clean_text

_SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
CONFIG_FIELDS = (
    "name", "description", "cadence", "duration", "meeting", "starts", "ends", "questions",
    "matching", "expiry", "channel", "remind_after", "partner_after", "coordinator_after",
    "auto_pause",
)  # fmt: skip


def clean_slug(value: str) -> str:
    slug = value.strip().lower()
    if not _SLUG_RE.match(slug):
        raise InvalidInput(
            f"'{value[:32]}' can't be a program's short name.",
            hint="Use 2-32 characters: a letter, then letters, digits or -, e.g. design-2026.",
        )
    return slug


def parse_cadence(raw: str) -> int:
    value = raw.strip().lower().replace("every ", "").replace(" ", "")
    if value in CADENCES:
        return CADENCES[value]
    days = value.removesuffix("days").removesuffix("d")
    return clean_int(days, what="cadence in days", low=1, high=90)


def program_reply(program: Program, *, coordinator: bool) -> Reply:
    span = (
        f"{fmt_day(program.starts_on)} to {fmt_day(program.ends_on)}"
        if program.starts_on and program.ends_on
        else "evergreen (join any time)"
    )
    fields = [
        Field("Short name", program.slug),
        Field("Runs", span),
        Field("Check-ins", cadence_label(program.cadence_days)),
        Field("Agreements last", f"{program.duration_weeks} weeks"),
        Field("Matching", program.matching.value),
    ]
    if coordinator:
        fields.append(Field("Check-in questions", " | ".join(program.questions)))
    join = (
        Choice("Join as mentee", Action.command("enroll", program.slug, "mentee").encode()),
        Choice("Join as mentor", Action.command("enroll", program.slug, "mentor").encode()),
    )
    return Reply(program.description, title=program.name, fields=tuple(fields), choices=join)


async def cmd_newprogram(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    slug = clean_slug(args["slug"])
    if await ctx.uow.programs.by_slug(slug):
        raise Conflict(
            f"A program called '{slug}' exists already.", hint="Pick another short name."
        )
    s = ctx.settings
    program = await ctx.uow.programs.add(
        Program(
            slug=slug,
            name=clean_text(args["name"], what="program name", limit=80),
            created_at=ctx.now(),
            cadence_days=s.default_cadence_days,
            duration_weeks=s.default_duration_weeks,
            meeting_minutes=s.default_meeting_minutes,
            request_expiry_hours=s.request_expiry_hours,
            space=f"{ctx.ref.platform.value}:{ctx.ref.space}" if ctx.ref.space else "",
        )
    )
    assert program.id is not None
    await ctx.uow.enrollments.add(
        Enrollment(program.id, ctx.my_id(), Role.COORDINATOR, joined_at=ctx.now())
    )
    return Outcome(
        [
            Reply(
                f"Program {program.name} created; you're its coordinator.\n"
                f"People join with `enroll {slug} mentee` or `enroll {slug} mentor`. "
                f"Adjust it with `configure {slug} <field> <value>` (see `help configure`).",
                title="Program created",
            ),
            program_reply(program, coordinator=True),
        ]
    )


async def cmd_programs(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    programs = await ctx.uow.programs.all()
    if not programs:
        return Outcome(
            [Reply("There are no programs yet. Create one with `newprogram <short-name> <name>`.")]
        )
    mine = {e.program_id: e.role for e in await ctx.uow.enrollments.of_person(ctx.my_id())}
    lines = []
    for program in programs:
        role = mine.get(program.id or 0)
        suffix = f" — you: {role.value}" if role else ""
        lines.append(f"{program.slug}: {program.name}{suffix}")
    return Outcome(
        [Reply("\n".join(lines) + "\n\nSend `program <name>` for details.", title="Programs")]
    )


async def cmd_program(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    program = await program_by_ref(ctx, args["program"])
    return Outcome([program_reply(program, coordinator=await is_coordinator(ctx, program))])


async def cmd_configure(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    apply_program_setting(program, args["field"], args["value"])
    await ctx.uow.programs.save(program)
    return Outcome(
        [
            Reply(f"Updated {args['field']}.", title=program.name),
            program_reply(program, coordinator=True),
        ]
    )


def apply_program_setting(program: Program, field_name: str, raw: str) -> None:
    if field_name == "name":
        program.name = clean_text(raw, what="program name", limit=80)
    elif field_name == "description":
        program.description = clean_text(raw, what="description", limit=1000)
    elif field_name == "cadence":
        program.cadence_days = parse_cadence(raw)
    elif field_name == "duration":
        program.duration_weeks = clean_int(
            raw.removesuffix("w"), what="duration in weeks", low=1, high=104
        )
    elif field_name == "meeting":
        program.meeting_minutes = clean_int(raw, what="meeting length in minutes", low=5, high=240)
    elif field_name == "starts":
        program.starts_on = None if raw.strip() == "none" else clean_date(raw)
    elif field_name == "ends":
        program.ends_on = None if raw.strip() == "none" else clean_date(raw)
        if program.starts_on and program.ends_on and program.ends_on <= program.starts_on:
            raise InvalidInput("The program must end after it starts.")
    elif field_name == "questions":
        questions = tuple(q.strip() for q in raw.split("|") if q.strip())
        if not 1 <= len(questions) <= 5:
            raise InvalidInput("Give 1 to 5 questions separated by |.")
        program.questions = tuple(clean_text(q, what="question", limit=200) for q in questions)
    elif field_name == "matching":
        try:
            program.matching = Matching(raw.strip().lower())
        except ValueError as exc:
            raise InvalidInput("Matching is one of: request, assign, suggest.") from exc
    elif field_name == "expiry":
        program.request_expiry_hours = clean_int(
            raw, what="request expiry in hours", low=1, high=720
        )
    elif field_name == "channel":
        program.channel = clean_text(raw, what="channel", limit=120)
    elif field_name in ("remind_after", "partner_after", "coordinator_after"):
        value = clean_int(raw, what=field_name.replace("_", " "), low=1, high=12)
        setattr(program, f"{field_name}_misses", value)
    elif field_name == "auto_pause":
        program.auto_pause = raw.strip().lower() in ("on", "yes", "true", "1")


# --- enrolment ---------------------------------------------------------------------------


def _role(data: Data) -> Role:
    return Role(data["role"])


async def _ask_skills(ctx: Context, data: Data) -> Prompt:
    if _role(data) is Role.MENTOR:
        return Prompt("What can you help with? A few skills or topics, separated by commas.")
    return Prompt("What would you like to learn? A few skills or topics, separated by commas.")


async def _parse_skills(ctx: Context, data: Data, raw: str) -> list[str]:
    skills = [s.strip().lower() for s in raw.split(",") if s.strip()]
    if not skills:
        raise InvalidInput("Please name at least one skill or topic.")
    if len(skills) > 12:
        raise InvalidInput(f"That's {len(skills)} topics; the limit is 12.")
    return [clean_text(s, what="skill", limit=40) for s in skills]


async def _ask_goals(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        "What do you want to achieve in this program? One or two sentences. "
        "Only you and your future mentor will see this.",
        optional=True,
    )


async def _parse_goals(ctx: Context, data: Data, raw: str) -> str:
    return "" if raw == SKIP else clean_text(raw, what="goals", limit=SHORT_TEXT_MAX)


async def _ask_mode(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        "How do you prefer to meet?",
        choices=[("Written check-ins", "async"), ("Live chat", "chat"), ("Calls", "call")],
        free_text=False,
    )


async def _parse_mode(ctx: Context, data: Data, raw: str) -> str:
    try:
        return Mode(raw.strip().lower()).value
    except ValueError as exc:
        raise InvalidInput("Choose async, chat or call.") from exc


async def _ask_availability(ctx: Context, data: Data) -> Prompt:
    zone = ctx.person.timezone if ctx.person else "your time zone"
    return Prompt(
        f"When are you usually available? e.g. 'Tue/Thu evenings' ({zone}).", optional=True
    )


async def _parse_availability(ctx: Context, data: Data, raw: str) -> str:
    return "" if raw == SKIP else clean_text(raw, what="availability", limit=200)


async def _ask_capacity(ctx: Context, data: Data) -> Prompt:
    usual = ctx.settings.default_capacity
    others = [n for n in (1, 2, 3) if n != usual]
    return Prompt(
        "How many mentees can you take at once? (or type a number)",
        choices=[(f"{usual} (usual)", str(usual)), *((str(n), str(n)) for n in others)],
    )


async def _parse_capacity(ctx: Context, data: Data, raw: str) -> int:
    return clean_int(raw, what="capacity", low=1, high=20)


async def _finish_enrollment(ctx: Context, data: Data) -> Outcome:
    program = await ctx.uow.programs.get(int(data["program_id"]))
    if program is None or program.id is None:
        raise NotFound("That program no longer exists.")
    role = _role(data)
    me = ctx.me()
    assert me.id is not None
    existing = await ctx.uow.enrollments.find(program.id, me.id, role)
    enrollment = existing or Enrollment(program.id, me.id, role, joined_at=ctx.now())
    enrollment.active = True
    enrollment.skills = tuple(data["skills"])
    enrollment.goals = data.get("goals", "")
    enrollment.mode = Mode(data["mode"])
    enrollment.availability = data.get("availability", "")
    enrollment.capacity = int(data.get("capacity", 0)) if role is Role.MENTOR else 0
    if role is Role.MENTEE:
        enrollment.waiting_since = enrollment.waiting_since or ctx.now()
    if existing is None:
        await ctx.uow.enrollments.add(enrollment)
    else:
        await ctx.uow.enrollments.save(enrollment)
    outcome = Outcome()
    for coordinator in await coordinators_of(ctx, program):
        if coordinator != me.id:
            outcome.notices.append(
                Notice(
                    coordinator,
                    Reply(
                        f"{me.name} joined {program.name} as a {role.value}.", title=program.name
                    ),
                    key=f"enrolled:{program.id}:{me.id}:{role.value}:{ctx.now():%Y%m%d%H%M%S}",
                )
            )
    if role is Role.MENTEE:
        next_step = {
            Matching.REQUEST: f"Next: `mentors {program.slug}` to find a mentor, then `ask`.",
            Matching.ASSIGN: "A coordinator will pair you with a mentor; I'll let you know.",
            Matching.SUGGEST: "A coordinator will review suggested matches; I'll let you know.",
        }[program.matching]
    else:
        next_step = f"Mentees can now ask you. You'll mentor up to {enrollment.capacity} at once."
    outcome.replies.append(
        Reply(f"You're in {program.name} as a {role.value}.\n{next_step}", title="Joined")
    )
    return outcome


ENROLLMENT = Flow(
    name="enroll",
    title="program sign-up",
    steps=(
        Step("skills", _ask_skills, _parse_skills),
        Step("goals", _ask_goals, _parse_goals, when=lambda d: d["role"] == "mentee"),
        Step("mode", _ask_mode, _parse_mode),
        Step("availability", _ask_availability, _parse_availability),
        Step(
            "capacity",
            _ask_capacity,
            _parse_capacity,
            when=lambda d: d["role"] == "mentor" and "capacity" not in d,
        ),
    ),
    finish=_finish_enrollment,
)


async def cmd_enroll(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    program = await program_by_ref(ctx, args["program"])
    assert program.id is not None
    role = Role(args["role"])
    existing = await ctx.uow.enrollments.find(program.id, ctx.my_id(), role)
    if existing is not None and existing.active:
        raise Conflict(f"You're already a {role.value} in {program.name}.")
    data: Data = {"program_id": program.id, "role": role.value}
    if args.get("capacity") is not None:
        data["capacity"] = args["capacity"]
    return await ctx.dialogs.start(ctx, ENROLLMENT.name, data)


async def cmd_leave(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    program = await program_by_ref(ctx, args["program"])
    me = ctx.my_id()
    busy = [p for p in await open_pairs(ctx, me) if p.program_id == program.id]
    if busy:
        raise Conflict(
            f"You still have an open pair in {program.name} (#{busy[0].id}).",
            hint=f"End it first with `end pair={busy[0].id}`.",
        )
    left = 0
    for enrollment in await ctx.uow.enrollments.of_person(me):
        if enrollment.program_id == program.id and enrollment.role is not Role.COORDINATOR:
            enrollment.active = False
            enrollment.waiting_since = None
            await ctx.uow.enrollments.save(enrollment)
            left += 1
    if not left:
        raise NotFound(f"You aren't a participant in {program.name}.")
    name = ctx.me().name
    told = Reply(f"{name} left {program.name}.", title=program.name)
    notices = [
        Notice(coordinator, told, key=f"left:{program.id}:{me}:{ctx.now():%Y%m%d%H%M%S}")
        for coordinator in await coordinators_of(ctx, program)
        if coordinator != me
    ]  # keyed like joining: leaving and joining again is a new event each time
    return Outcome(
        [Reply(f"You've left {program.name}. Your history stays private to you.")], notices
    )


async def cmd_coordinator(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    assert program.id is not None
    person = await person_by_ref(ctx, args["person"])
    assert person.id is not None
    existing = await ctx.uow.enrollments.find(program.id, person.id, Role.COORDINATOR)
    if existing is not None and existing.active:
        raise Conflict(f"{person.name} already coordinates {program.name}.")
    await ctx.uow.enrollments.add(Enrollment(program.id, person.id, Role.COORDINATOR, ctx.now()))
    told = Notice(
        person.id,
        Reply(f"{ctx.me().name} made you a coordinator of {program.name}.", title=program.name),
        key=f"coordinator:{program.id}:{person.id}",
    )
    return Outcome([Reply(f"{person.name} is now a coordinator of {program.name}.")], [told])


def program_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "newprogram",
            "Create a mentoring program (you become its coordinator)",
            cmd_newprogram,
            args=(
                Arg("slug", ArgKind.WORD, "a short name, e.g. design-2026"),
                Arg("name", ArgKind.TEXT, "the full name", rest=True, max_len=80),
            ),
            examples=("newprogram design-2026 Design mentoring 2026",),
            group="Programs",
        ),
        CommandSpec("programs", "List programs", cmd_programs, group="Programs"),
        CommandSpec(
            "program", "Show a program", cmd_program, args=(PROGRAM_ARG,), group="Programs"
        ),
        CommandSpec(
            "enroll",
            "Join a program as mentor or mentee",
            cmd_enroll,
            args=(
                PROGRAM_ARG,
                Arg("role", ArgKind.CHOICE, "your role", choices=("mentor", "mentee")),
                Arg(
                    "capacity",
                    ArgKind.INT,
                    "mentees at once (mentors)",
                    required=False,
                    low=1,
                    high=20,
                ),
            ),
            examples=("enroll design-2026 mentee", "enroll design-2026 mentor 2"),
            group="Programs",
        ),
        CommandSpec("leave", "Leave a program", cmd_leave, args=(PROGRAM_ARG,), group="Programs"),
        CommandSpec(
            "configure",
            "Change a program's settings",
            ForCoordinators(cmd_configure),
            args=(
                PROGRAM_ARG,
                Arg("field", ArgKind.CHOICE, "what to change", choices=CONFIG_FIELDS),
                Arg("value", ArgKind.TEXT, "the new value", rest=True, max_len=1000),
            ),
            access=Access.COORDINATOR,
            program_arg="program",
            examples=(
                "configure design-2026 cadence weekly",
                "configure design-2026 questions What did you try? | What's next?",
            ),
            group="Coordinators",
        ),
        CommandSpec(
            "coordinator",
            "Make someone a coordinator of a program",
            ForCoordinators(cmd_coordinator),
            args=(PROGRAM_ARG, Arg("person", ArgKind.PERSON, "their handle")),
            access=Access.COORDINATOR,
            program_arg="program",
            group="Coordinators",
        ),
    ]
