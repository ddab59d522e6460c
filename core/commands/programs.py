"""Programs and who takes part: newprogram, programs, program, configure, enroll, leave,
coordinator."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
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
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.identity import UserRef
from core.messages import Action, Choice, ChoiceStyle, Field, Notice, Outcome, Reply
from core.model import CADENCES, Enrollment, Matching, Mode, Program, Role
from core.registry import IS_ADMIN, Access, Arg, ArgKind, CommandSpec, ForCoordinators
from core.services.matching import clean_weights, describe_weights, weights_of
from core.services.wording import cadence_label as cadence_label
from core.settings import CoreSettings
from core.text import (
    SHORT_TEXT_MAX,
    clean_amount,
    clean_date,
    clean_int,
    clean_languages,
    clean_skills,
    clean_text,
)

_SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
_CADENCE_WORDS = {**CADENCES, "fortnightly": 14, "daily": 1}
_MISSES_RE = re.compile(r"^(\d+)(\s*(missed)?\s*(check-?ins?|periods?|misses))?$")
_SWITCHES = {
    **dict.fromkeys(("on", "yes", "true", "1"), True),
    **dict.fromkeys(("off", "no", "false", "0"), False),
}


def clean_slug(value: str) -> str:
    slug = value.strip().lower()
    if not _SLUG_RE.match(slug):
        raise InvalidInput(
            f"'{value[:32]}' can't be a program's short name.",
            hint="Use 2-32 characters: a letter, then letters, digits or -, e.g. design-2026.",
        )
    return slug


def parse_cadence(raw: str) -> int:
    """Days between check-ins: 'weekly', 'fortnightly', 'every 10 days', '2 weeks', '10'."""
    value = raw.strip().lower().removeprefix("every").strip()
    if value in _CADENCE_WORDS:
        return _CADENCE_WORDS[value]
    try:
        return clean_amount(value, what="cadence", unit="days", low=1, high=90)
    except InvalidInput as error:
        raise InvalidInput(
            "The cadence in days must be a whole number from 1 to 90, or weekly, fortnightly "
            f"or monthly; you wrote '{raw.strip()[:30]}'.",
            hint="e.g. weekly, fortnightly, every 10 days or 2 weeks.",
        ) from error


def _parse_misses(raw: str, what: str) -> int:
    """A number of missed check-ins in a row: '2', '2 missed check-ins', '2 periods'."""
    match = _MISSES_RE.match(raw.strip().lower())
    if match is None:
        raise InvalidInput(
            f"{what} counts missed check-ins in a row, not time: '{raw.strip()[:30]}'.",
            hint=f"Give a number of missed check-ins from 1 to 12, e.g. `{what} 2`.",
        )
    misses = int(match[1])
    if not 1 <= misses <= 12:
        raise InvalidInput(f"{what} must be from 1 to 12 missed check-ins; you wrote {misses}.")
    return misses


def _parse_switch(raw: str, what: str) -> bool:
    value = raw.strip().lower()
    if value not in _SWITCHES:
        raise InvalidInput(f"'{raw.strip()[:30]}' is not a value of {what}.", hint="Use on or off.")
    return _SWITCHES[value]


def _parse_day(raw: str) -> date | None:
    return None if raw.strip().lower() == "none" else clean_date(raw)


def _parse_questions(raw: str) -> tuple[str, ...]:
    questions = tuple(q.strip() for q in raw.split("|") if q.strip())
    if not 1 <= len(questions) <= 5:
        raise InvalidInput("Give 1 to 5 questions separated by |.")
    return tuple(clean_text(q, what="question", limit=200) for q in questions)


def _parse_matching(raw: str) -> Matching:
    try:
        return Matching(raw.strip().lower())
    except ValueError as exc:
        valid = ", ".join(m.value for m in Matching)
        raise InvalidInput(
            f"'{raw.strip()[:30]}' is not a way of matching.", hint=f"Use one of: {valid}."
        ) from exc


def _parse_language(raw: str) -> str:
    if raw.strip().lower() in {"none", "any"}:
        return ""
    languages = clean_languages(raw)
    if len(languages) > 1:
        raise InvalidInput("Name one language every pair must share, or none.")
    return languages[0]


def _parse_channel(raw: str) -> str:
    """Only ``none`` (stop posting in the linked channel): a channel is set by linking from
    inside it (see cmd_configure), never by typing an id."""
    if raw.strip().lower() == "none":
        return ""
    raise InvalidInput("A channel is linked from inside it, not by its id.")


@dataclass(frozen=True, slots=True)
class Setting:
    """One thing a coordinator can change with `configure`: what to type, and where it goes."""

    name: str
    attribute: str  # the Program field it sets
    parse: Callable[[str], object]
    format: str  # what to type, with its units: shown by `help configure`


SETTINGS = (
    Setting(
        "name", "name", lambda raw: clean_text(raw, what="program name", limit=80),
        "the full name",
    ),
    Setting(
        "description", "description",
        lambda raw: clean_text(raw, what="description", limit=1000),
        "a few sentences shown on the program card",
    ),
    Setting(
        "cadence", "cadence_days", parse_cadence,
        "how often pairs check in: weekly, fortnightly, monthly or every N days (1-90)",
    ),
    Setting(
        "duration", "duration_weeks",
        lambda raw: clean_amount(raw, what="duration", unit="weeks", low=1, high=104),
        "how long an agreement lasts, in weeks (1-104): 12, 12 weeks or 84 days",
    ),
    Setting(
        "meeting", "meeting_minutes",
        lambda raw: clean_amount(raw, what="meeting length", unit="minutes", low=5, high=240),
        "a usual meeting's length, in minutes (5-240): 30, 30 min or 1 hour",
    ),
    Setting("starts", "starts_on", _parse_day, "the first day, YYYY-MM-DD, or none"),
    Setting("ends", "ends_on", _parse_day, "the last day, YYYY-MM-DD, or none"),
    Setting(
        "questions", "questions", _parse_questions,
        "1 to 5 check-in questions separated by |",
    ),
    Setting(
        "matching", "matching", _parse_matching,
        "request (mentees ask), assign (you pair them) or suggest (you review and publish "
        "a `match` draft)",
    ),
    Setting(
        "language", "match_language", _parse_language,
        "a language code every pair must share (en, pt-br), or none: any shared language",
    ),
    Setting(
        "weights", "match_weights", clean_weights,
        "what counts in a match, as name=number (0-10): skills, goals, languages, mode, "
        "overlap — e.g. skills=0.5 overlap=0.3 — or default",
    ),
    Setting(
        "expiry", "request_expiry_hours",
        lambda raw: clean_amount(raw, what="request expiry", unit="hours", low=1, high=720),
        "how long a mentoring request waits for an answer, in hours (1-720): 72 or 3 days",
    ),
    Setting(
        "channel", "channel",
        _parse_channel,
        "none to stop posting in the linked channel (to post in a channel, send "
        "`link <program>` there)",
    ),
    Setting(
        "remind_after", "remind_after_misses", lambda raw: _parse_misses(raw, "remind_after"),
        "missed check-ins in a row (1-12) before the person is reminded",
    ),
    Setting(
        "partner_after", "partner_after_misses", lambda raw: _parse_misses(raw, "partner_after"),
        "missed check-ins in a row (1-12) before their partner is told",
    ),
    Setting(
        "coordinator_after", "coordinator_after_misses",
        lambda raw: _parse_misses(raw, "coordinator_after"),
        "missed check-ins in a row (1-12) before coordinators are told",
    ),
    Setting(
        "auto_pause", "auto_pause", lambda raw: _parse_switch(raw, "auto_pause"),
        "on or off: also pause the pair when coordinators are told",
    ),
)  # fmt: skip
CONFIG_FIELDS = tuple(setting.name for setting in SETTINGS)


def _span(program: Program) -> str:
    starts, ends = program.starts_on, program.ends_on
    if starts and ends:
        return f"{fmt_day(starts)} to {fmt_day(ends)}"
    if starts:
        return f"from {fmt_day(starts)}, no end date"
    if ends:
        return f"until {fmt_day(ends)}"
    return "evergreen (join any time)"


def _ladder(program: Program) -> str:
    return (
        f"remind after {program.remind_after_misses}, "
        f"tell the partner after {program.partner_after_misses}, "
        f"tell coordinators after {program.coordinator_after_misses}"
        + (" and pause the pair" if program.auto_pause else " (auto_pause off)")
    )


def program_reply(program: Program, *, coordinator: bool) -> Reply:
    fields = [
        Field("Short name", program.slug),
        Field("Runs", _span(program)),
        Field("Check-ins", cadence_label(program.cadence_days)),
        Field("Agreements last", f"{program.duration_weeks} weeks"),
        Field("Meetings", f"{program.meeting_minutes} minutes"),
        Field("Matching", program.matching.value),
    ]
    if coordinator:
        fields += [
            Field("Requests expire after", f"{program.request_expiry_hours} hours"),
            Field("Announcements channel", program.channel or "none"),
            Field("Missed check-ins", _ladder(program)),
            Field("Check-in questions", " | ".join(program.questions)),
            Field("Pairs must share", program.match_language or "any language"),
            Field("Match weights", describe_weights(weights_of(program))),
        ]
    join = (
        Choice("Join as mentee", Action.command("enroll", program.slug, "mentee").encode()),
        Choice("Join as mentor", Action.command("enroll", program.slug, "mentor").encode()),
    )
    return Reply(program.description, title=program.name, fields=tuple(fields), choices=join)


def may_create_programs(settings: CoreSettings, ref: UserRef) -> bool:
    """``[programs] creators``: anyone, the platform's admins, or the accounts listed."""
    creators = settings.program_creators
    if creators == "anyone":
        return True
    if creators == "admins":
        return ref.is_admin
    return f"{ref.platform.value}:{ref.user_id}" in creators


def _where(ctx: Context) -> str:
    """Where an administrator of this messenger can show they are one."""
    platform = ctx.ref.platform.value
    if platform in ctx.settings.spaces_with_channels:
        return f"{ctx.settings.space_name(platform)} (in one of its channels)"
    return ctx.settings.space_name(platform)


async def cmd_newprogram(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    if not may_create_programs(ctx.settings, ctx.ref):
        admins = ctx.settings.program_creators == "admins"
        raise NotAllowed(
            "Only administrators can create programs here."
            if admins
            else "Only the people this mentorhub names can create programs.",
            hint=(
                f"If you administer a {_where(ctx)}, send it there, where I can see "
                "that you do; or ask an administrator."
                if admins
                else "Ask whoever runs this mentorhub to create it, or to add you."
            ),
        )
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
    mine = {
        e.program_id: e.role
        for e in await ctx.uow.enrollments.of_person(ctx.my_id())
        if e.active or e.role is not Role.COORDINATOR  # an invitation isn't a role yet
    }
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
    if args["field"] == "channel" and str(args["value"]).strip().lower() != "none":
        raise InvalidInput(
            "A program's announcements channel can't be set by its id: link it from inside "
            "the channel, so that I know you may post there.",
            hint=f"Add me to the channel, then send `link {program.slug}` in it "
            f"(or `configure {program.slug} channel none` to stop posting).",
        )
    apply_program_setting(program, args["field"], args["value"])
    await ctx.uow.programs.save(program)
    return Outcome(
        [
            Reply(f"Updated {args['field']}.", title=program.name),
            program_reply(program, coordinator=True),
        ]
    )


def apply_program_setting(program: Program, field_name: str, raw: str) -> None:
    setting = next(setting for setting in SETTINGS if setting.name == field_name)
    setattr(program, setting.attribute, setting.parse(raw))
    if program.starts_on and program.ends_on and program.ends_on <= program.starts_on:
        raise InvalidInput("The program must end after it starts.")


# --- enrolment ---------------------------------------------------------------------------


def _role(data: Data) -> Role:
    return Role(data["role"])


async def _ask_skills(ctx: Context, data: Data) -> Prompt:
    if _role(data) is Role.MENTOR:
        return Prompt("What can you help with? A few skills or topics, separated by commas.")
    return Prompt("What would you like to learn? A few skills or topics, separated by commas.")


async def _parse_skills(ctx: Context, data: Data, raw: str) -> list[str]:
    return list(clean_skills(raw.split(",")))


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
    if not enrollment.active:  # joining again after leaving is a new join
        enrollment.joined_at = ctx.now()
        enrollment.joins += 1
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
                    key=f"enrolled:{program.id}:{me.id}:{role.value}:{enrollment.joins}",
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
    left: list[str] = []
    for enrollment in await ctx.uow.enrollments.of_person(me):
        if (
            enrollment.program_id == program.id
            and enrollment.role is not Role.COORDINATOR
            and enrollment.active
        ):
            enrollment.active = False
            enrollment.waiting_since = None
            await ctx.uow.enrollments.save(enrollment)
            left.append(f"{enrollment.role.value}{enrollment.joins}")
    if not left:
        raise NotFound(f"You aren't a participant in {program.name}.")
    name = ctx.me().name
    told = Reply(f"{name} left {program.name}.", title=program.name)
    key = f"left:{program.id}:{me}:{','.join(sorted(left))}"  # each join's own leaving
    notices = [
        Notice(coordinator, told, key=key)
        for coordinator in await coordinators_of(ctx, program)
        if coordinator != me
    ]
    return Outcome(
        [Reply(f"You've left {program.name}. Your history stays private to you.")], notices
    )


async def cmd_coordinator(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    """An invitation the person accepts or declines (buttons), never a role put on them.

    Kept as their COORDINATOR enrolment: active once accepted; inactive with
    ``waiting_since`` while the invitation is open; inactive without it once declined
    (they are not asked again). Someone who blocked the inviter gets nothing, and the
    inviter reads the same as for an invitation sent (a block is never revealed).
    """
    assert program.id is not None
    person = await person_by_ref(ctx, args["person"])
    me = ctx.me()
    assert person.id is not None and me.id is not None
    existing = await ctx.uow.enrollments.find(program.id, person.id, Role.COORDINATOR)
    if existing is not None and existing.active:
        raise Conflict(f"{person.name} already coordinates {program.name}.")
    if existing is not None and existing.waiting_since is None:
        raise Conflict(
            f"{person.name} declined to coordinate {program.name}; I won't ask them again.",
            hint=f"If they change their mind, they can send `coordinator_accept {program.slug}`.",
        )
    invited = Reply(
        f"I've invited {person.name} to coordinate {program.name}. They become a coordinator "
        "when they accept; I'll tell you.",
        title=program.name,
    )
    if existing is not None:  # asked already: no second message
        return Outcome([invited])
    blocked_me = any(b.blocked_id == me.id for b in await ctx.uow.blocks.of_person(person.id))
    if blocked_me:  # they never hear from this sender; the sender can't tell
        return Outcome([invited])
    await ctx.uow.enrollments.add(
        Enrollment(
            program.id, person.id, Role.COORDINATOR, ctx.now(), active=False,
            waiting_since=ctx.now(),
        )
    )  # fmt: skip
    invitation = Notice(
        person.id,
        Reply(
            f"{me.name} invites you to coordinate {program.name}: you would configure it, "
            "pair people and see how pairs are doing. Accept?",
            title=program.name,
            choices=(
                Choice(
                    "Accept",
                    Action.answer("coordinator_accept", f"#{program.id}").encode(),
                    ChoiceStyle.PRIMARY,
                ),
                Choice(
                    "Decline",
                    Action.answer("coordinator_decline", f"#{program.id}").encode(),
                    ChoiceStyle.DANGER,
                ),
            ),
        ),
        key=f"coordinator-invite:{program.id}:{person.id}",
    )
    return Outcome([invited], [invitation])


async def _my_invitation(ctx: Context, program: Program) -> Enrollment:
    assert program.id is not None
    found = await ctx.uow.enrollments.find(program.id, ctx.my_id(), Role.COORDINATOR)
    if found is not None and found.active:
        raise Conflict(f"You already coordinate {program.name}.")
    if found is None:
        raise NotFound(f"You have no invitation to coordinate {program.name}.")
    return found


async def cmd_coordinator_accept(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    program = await program_by_ref(ctx, args["program"])
    enrollment = await _my_invitation(ctx, program)
    others = await coordinators_of(ctx, program)
    enrollment.active, enrollment.waiting_since, enrollment.joined_at = True, None, ctx.now()
    await ctx.uow.enrollments.save(enrollment)
    name = ctx.me().name
    told = Reply(f"{name} accepted: they now coordinate {program.name}.", title=program.name)
    notices = [
        Notice(coordinator, told, key=f"coordinator-accepted:{program.id}:{ctx.my_id()}")
        for coordinator in others
    ]
    return Outcome(
        [Reply(f"You now coordinate {program.name}. See `help configure`.", title=program.name)],
        notices,
    )


async def cmd_coordinator_decline(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    program = await program_by_ref(ctx, args["program"])
    enrollment = await _my_invitation(ctx, program)
    enrollment.waiting_since = None  # declined: not asked again
    await ctx.uow.enrollments.save(enrollment)
    return Outcome([Reply(f"Declined. I won't ask you to coordinate {program.name} again.")])


def program_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "newprogram",
            "Create a mentoring program (you become its coordinator)",
            cmd_newprogram,
            args=(
                Arg("slug", ArgKind.WORD, "a short name, e.g. design-2026"),
                Arg("name", ArgKind.TEXT, "the full name", rest=True, verbatim=True, max_len=80),
            ),
            examples=("newprogram design-2026 Design mentoring 2026",),
            group="Programs",
            platform_facts=frozenset({IS_ADMIN}),  # for [programs] creators = "admins"
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
                Arg("value", ArgKind.TEXT, "the new value", rest=True, verbatim=True, max_len=1000),
            ),
            access=Access.COORDINATOR,
            program_arg="program",
            details=tuple(f"{setting.name}: {setting.format}" for setting in SETTINGS),
            examples=(
                "configure design-2026 cadence fortnightly",
                "configure design-2026 duration 10 weeks",
                "configure design-2026 questions What did you try? | What's next?",
            ),
            group="Coordinators",
        ),
        CommandSpec(
            "coordinator_accept",
            "Accept an invitation to coordinate a program",
            cmd_coordinator_accept,
            args=(PROGRAM_ARG,),
            group="Programs",
            hidden=True,  # the invitation's button
        ),
        CommandSpec(
            "coordinator_decline",
            "Decline an invitation to coordinate a program",
            cmd_coordinator_decline,
            args=(PROGRAM_ARG,),
            group="Programs",
            hidden=True,
        ),
        CommandSpec(
            "coordinator",
            "Invite someone to coordinate a program",
            ForCoordinators(cmd_coordinator),
            args=(PROGRAM_ARG, Arg("person", ArgKind.PERSON, "their handle")),
            access=Access.COORDINATOR,
            program_arg="program",
            group="Coordinators",
        ),
    ]
