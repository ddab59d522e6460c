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
from core.i18n import ENGLISH, LANGUAGES, N_, PSEUDO, _, n_, native_name, p_, supported
from core.identity import UserRef
from core.messages import Action, Choice, ChoiceStyle, Field, Notice, Outcome, Reply
from core.model import CADENCES, Enrollment, Matching, Mode, Program, Role, shown_question
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
            _("'{value}' can't be a program's short name.", value=value[:32]),
            hint=_("Use 2-32 characters: a letter, then letters, digits or -, e.g. design-2026."),
        )
    return slug


def parse_cadence(raw: str) -> int:
    """Days between check-ins: 'weekly', 'fortnightly', 'every 10 days', '2 weeks', '10'."""
    value = raw.strip().lower().removeprefix("every").strip()
    if value in _CADENCE_WORDS:
        return _CADENCE_WORDS[value]
    try:
        return clean_amount(value, what=_("cadence"), unit="days", low=1, high=90)
    except InvalidInput as error:
        raise InvalidInput(
            # Translators: weekly, fortnightly and monthly are typed as they are: keep them.
            _(
                "The cadence in days must be a whole number from 1 to 90, or weekly, "
                "fortnightly or monthly; you wrote '{value}'.",
                value=raw.strip()[:30],
            ),
            # Translators: what to type, in English: keep weekly, fortnightly, every, days, weeks.
            hint=_("e.g. weekly, fortnightly, every 10 days or 2 weeks."),
        ) from error


def _parse_misses(raw: str, what: str) -> int:
    """A number of missed check-ins in a row: '2', '2 missed check-ins', '2 periods'."""
    match = _MISSES_RE.match(raw.strip().lower())
    if match is None:
        raise InvalidInput(
            # Translators: {setting} is a setting's name as typed (remind_after): keep it.
            _(
                "{setting} counts missed check-ins in a row, not time: '{value}'.",
                setting=what,
                value=raw.strip()[:30],
            ),
            hint=_(
                "Give a number of missed check-ins from 1 to 12, e.g. `{setting} 2`.",
                setting=what,
            ),
        )
    misses = int(match[1])
    if not 1 <= misses <= 12:
        raise InvalidInput(
            # Translators: {setting} is a setting's name as typed (remind_after): keep it.
            _(
                "{setting} must be from 1 to 12 missed check-ins; you wrote {value}.",
                setting=what,
                value=misses,
            )
        )
    return misses


def _parse_switch(raw: str, what: str) -> bool:
    value = raw.strip().lower()
    if value not in _SWITCHES:
        raise InvalidInput(
            # Translators: {setting} is a setting's name as typed (auto_pause): keep it.
            _("'{value}' is not a value of {setting}.", value=raw.strip()[:30], setting=what),
            # Translators: on and off are typed as they are: keep them.
            hint=_("Use on or off."),
        )
    return _SWITCHES[value]


def _parse_day(raw: str) -> date | None:
    return None if raw.strip().lower() == "none" else clean_date(raw)


def _parse_questions(raw: str) -> tuple[str, ...]:
    questions = tuple(q.strip() for q in raw.split("|") if q.strip())
    if not 1 <= len(questions) <= 5:
        raise InvalidInput(_("Give 1 to 5 questions separated by |."))
    return tuple(clean_text(q, what=_("question"), limit=200) for q in questions)


def _parse_matching(raw: str) -> Matching:
    try:
        return Matching(raw.strip().lower())
    except ValueError as exc:
        valid = ", ".join(m.value for m in Matching)
        raise InvalidInput(
            _("'{value}' is not a way of matching.", value=raw.strip()[:30]),
            hint=_("Use one of: {values}.", values=valid),
        ) from exc


def _parse_language(raw: str) -> str:
    if raw.strip().lower() in {"none", "any"}:
        return ""
    languages = clean_languages(raw)
    if len(languages) > 1:
        raise InvalidInput(_("Name one language every pair must share, or none."))
    return languages[0]


def _parse_bot_language(raw: str) -> str:
    """The language members read when they chose none and their messenger says none."""
    if raw.strip().lower() == "none":
        return ""
    language = supported(raw)
    if language is None or language == PSEUDO:
        raise InvalidInput(
            _("I don't speak '{language}' yet.", language=raw.strip()[:32]),
            hint=_(
                "Choose one of: {languages}, or none.",
                languages=", ".join(f"`{code}`" for code in LANGUAGES),
            ),
        )
    return language


def _parse_channel(raw: str) -> str:
    """Only ``none`` (stop posting in the linked channel): a channel is set by linking from
    inside it (see cmd_configure), never by typing an id."""
    if raw.strip().lower() == "none":
        return ""
    raise InvalidInput(_("A channel is linked from inside it, not by its id."))


@dataclass(frozen=True, slots=True)
class Setting:
    """One thing a coordinator can change with `configure`: what to type, and where it goes."""

    name: str
    attribute: str  # the Program field it sets
    parse: Callable[[str], object]
    # The line `help configure` shows for it: the name as typed, then what to type, with its
    # units (a whole line, so that translators keep the typed words where they belong).
    detail: str


# Translators: the lines of `help configure`: each begins with a setting's name as typed
# (cadence, matching, ...) and names values to type (weekly, none, request, ...): keep those.
SETTINGS = (
    Setting(
        "name", "name", lambda raw: clean_text(raw, what=_("program name"), limit=80),
        N_("name: the full name"),
    ),
    Setting(
        "description", "description",
        lambda raw: clean_text(raw, what=_("description"), limit=1000),
        N_("description: a few sentences shown on the program card"),
    ),
    Setting(
        "cadence", "cadence_days", parse_cadence,
        N_(
            "cadence: how often pairs check in: weekly, fortnightly, monthly or every N days "
            "(1-90)"
        ),
    ),
    Setting(
        "duration", "duration_weeks",
        lambda raw: clean_amount(raw, what=_("duration"), unit="weeks", low=1, high=104),
        N_("duration: how long an agreement lasts, in weeks (1-104): 12, 12 weeks or 84 days"),
    ),
    Setting(
        "meeting", "meeting_minutes",
        lambda raw: clean_amount(raw, what=_("meeting length"), unit="minutes", low=5, high=240),
        N_("meeting: a usual meeting's length, in minutes (5-240): 30, 30 min or 1 hour"),
    ),
    Setting("starts", "starts_on", _parse_day, N_("starts: the first day, YYYY-MM-DD, or none")),
    Setting("ends", "ends_on", _parse_day, N_("ends: the last day, YYYY-MM-DD, or none")),
    Setting(
        "questions", "questions", _parse_questions,
        N_("questions: 1 to 5 check-in questions separated by |"),
    ),
    Setting(
        "matching", "matching", _parse_matching,
        N_(
            "matching: request (mentees ask), assign (you pair them) or suggest (you review "
            "and publish a `match` draft)"
        ),
    ),
    Setting(
        "language", "match_language", _parse_language,
        N_(
            "language: a language code every pair must share (en, pt-br), or none: any shared "
            "language"
        ),
    ),
    Setting(
        "bot_language", "language", _parse_bot_language,
        N_(
            "bot_language: the language I speak with members who chose none with `language` "
            "and whose messenger says none (en, de, es, pt-BR, ru), or none: English"
        ),
    ),
    Setting(
        "weights", "match_weights", clean_weights,
        N_(
            "weights: what counts in a match, as name=number (0-10): skills, goals, languages, "
            "mode, overlap — e.g. skills=0.5 overlap=0.3 — or default"
        ),
    ),
    Setting(
        "expiry", "request_expiry_hours",
        lambda raw: clean_amount(raw, what=_("request expiry"), unit="hours", low=1, high=720),
        N_(
            "expiry: how long a mentoring request waits for an answer, in hours (1-720): 72 "
            "or 3 days"
        ),
    ),
    Setting(
        "channel", "channel",
        _parse_channel,
        N_(
            "channel: none to stop posting in the linked channel (to post in a channel, send "
            "`link <program>` there)"
        ),
    ),
    Setting(
        "remind_after", "remind_after_misses", lambda raw: _parse_misses(raw, "remind_after"),
        N_("remind_after: missed check-ins in a row (1-12) before the person is reminded"),
    ),
    Setting(
        "partner_after", "partner_after_misses", lambda raw: _parse_misses(raw, "partner_after"),
        N_("partner_after: missed check-ins in a row (1-12) before their partner is told"),
    ),
    Setting(
        "coordinator_after", "coordinator_after_misses",
        lambda raw: _parse_misses(raw, "coordinator_after"),
        N_("coordinator_after: missed check-ins in a row (1-12) before coordinators are told"),
    ),
    Setting(
        "auto_pause", "auto_pause", lambda raw: _parse_switch(raw, "auto_pause"),
        N_("auto_pause: on or off: also pause the pair when coordinators are told"),
    ),
)  # fmt: skip
CONFIG_FIELDS = tuple(setting.name for setting in SETTINGS)


def _span(program: Program) -> str:
    starts, ends = program.starts_on, program.ends_on
    if starts and ends:
        return _("{start} to {end}", start=fmt_day(starts), end=fmt_day(ends))
    if starts:
        return _("from {start}, no end date", start=fmt_day(starts))
    if ends:
        return _("until {end}", end=fmt_day(ends))
    return _("evergreen (join any time)")


def _ladder(program: Program) -> str:
    counts = {
        "remind": program.remind_after_misses,
        "partner": program.partner_after_misses,
        "coordinators": program.coordinator_after_misses,
    }
    if program.auto_pause:
        # Translators: when people are told of missed check-ins in a row; the numbers count them.
        return _(
            "remind after {remind}, tell the partner after {partner}, tell coordinators after "
            "{coordinators} and pause the pair",
            **counts,
        )
    # Translators: as above; auto_pause is a setting's name as typed: keep it.
    return _(
        "remind after {remind}, tell the partner after {partner}, tell coordinators after "
        "{coordinators} (auto_pause off)",
        **counts,
    )


# How each way of matching is shown on the program card (its value is what a coordinator types).
MATCHING_LABELS = {
    Matching.REQUEST: p_("way of matching: mentees ask", "request"),
    Matching.ASSIGN: p_("way of matching: coordinators pair people", "assign"),
    Matching.SUGGEST: p_("way of matching: coordinators publish suggestions", "suggest"),
}


def program_reply(program: Program, *, coordinator: bool) -> Reply:
    fields = [
        Field(_("Short name"), program.slug),
        # Translators: a field label: when the program runs.
        Field(_("Runs"), _span(program)),
        # Translators: a field label: how often pairs check in.
        Field(_("Check-ins"), cadence_label(program.cadence_days)),
        Field(
            _("Agreements last"),
            n_("{count} week", "{count} weeks", program.duration_weeks),
        ),
        Field(_("Meetings"), n_("{count} minute", "{count} minutes", program.meeting_minutes)),
        # Translators: a field label: how mentees and mentors are paired.
        Field(_("Matching"), MATCHING_LABELS[program.matching]),
    ]
    if coordinator:
        fields += [
            Field(
                _("Requests expire after"),
                n_("{count} hour", "{count} hours", program.request_expiry_hours),
            ),
            # Translators: the value when no announcements channel is set.
            Field(_("Announcements channel"), program.channel or p_("no channel", "none")),
            Field(_("Missed check-ins"), _ladder(program)),
            Field(_("Check-in questions"), " | ".join(map(shown_question, program.questions))),
            Field(_("Pairs must share"), program.match_language or _("any language")),
            Field(_("Bot language"), native_name(program.language or ENGLISH)),
            Field(_("Match weights"), describe_weights(weights_of(program))),
        ]
    join = (
        # Translators: a button.
        Choice(_("Join as mentee"), Action.command("enroll", program.slug, "mentee").encode()),
        # Translators: a button.
        Choice(_("Join as mentor"), Action.command("enroll", program.slug, "mentor").encode()),
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


def _show_you_administer(ctx: Context) -> str:
    """Where an administrator of this messenger can show they are one: a whole sentence
    for each kind of shared space (a noun put into a sentence wouldn't translate)."""
    platform = ctx.ref.platform.value
    space = ctx.settings.space_name(platform)
    if platform in ctx.settings.spaces_with_channels:
        if space == "workspace":
            return _(
                "If you administer a workspace (in one of its channels), send it there, where "
                "I can see that you do; or ask an administrator."
            )
        return _(
            "If you administer a server (in one of its channels), send it there, where I can "
            "see that you do; or ask an administrator."
        )
    return _(
        "If you administer a group, send it there, where I can see that you do; or ask an "
        "administrator."
    )


async def cmd_newprogram(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    if not may_create_programs(ctx.settings, ctx.ref):
        admins = ctx.settings.program_creators == "admins"
        raise NotAllowed(
            _("Only administrators can create programs here.")
            if admins
            else _("Only the people this mentorhub names can create programs."),
            hint=(
                _show_you_administer(ctx)
                if admins
                else _("Ask whoever runs this mentorhub to create it, or to add you.")
            ),
        )
    slug = clean_slug(args["slug"])
    if await ctx.uow.programs.by_slug(slug):
        raise Conflict(
            _("A program called '{slug}' exists already.", slug=slug),
            hint=_("Pick another short name."),
        )
    s = ctx.settings
    program = await ctx.uow.programs.add(
        Program(
            slug=slug,
            name=clean_text(args["name"], what=_("program name"), limit=80),
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
                _("Program {program} created; you're its coordinator.", program=program.name)
                + "\n"
                + _(
                    "People join with `enroll {slug} mentee` or `enroll {slug} mentor`. Adjust "
                    "it with `configure {slug} <field> <value>` (see `help configure`).",
                    slug=slug,
                ),
                title=_("Program created"),
            ),
            program_reply(program, coordinator=True),
        ]
    )


async def cmd_programs(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    programs = await ctx.uow.programs.all()
    if not programs:
        return Outcome(
            [
                Reply(
                    _(
                        "There are no programs yet. Create one with "
                        "`newprogram <short-name> <name>`."
                    )
                )
            ]
        )
    mine = {
        e.program_id: e.role
        for e in await ctx.uow.enrollments.of_person(ctx.my_id())
        if e.active or e.role is not Role.COORDINATOR  # an invitation isn't a role yet
    }
    lines = []
    for program in programs:
        role = mine.get(program.id or 0)
        if role is None:
            lines.append(f"{program.slug}: {program.name}")
        else:
            lines.append(
                # Translators: a line of the list of programs; {role} is one's role in it.
                _(
                    "{slug}: {program} — you: {role}",
                    slug=program.slug,
                    program=program.name,
                    role=ROLE_LABELS[role],
                )
            )
    details = _("Send `program <name>` for details.")
    return Outcome([Reply("\n".join(lines) + "\n\n" + details, title=_("Programs"))])


async def cmd_program(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    program = await program_by_ref(ctx, args["program"])
    return Outcome([program_reply(program, coordinator=await is_coordinator(ctx, program))])


async def cmd_configure(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    if args["field"] == "channel" and str(args["value"]).strip().lower() != "none":
        raise InvalidInput(
            _(
                "A program's announcements channel can't be set by its id: link it from "
                "inside the channel, so that I know you may post there."
            ),
            hint=_(
                "Add me to the channel, then send `link {slug}` in it (or "
                "`configure {slug} channel none` to stop posting).",
                slug=program.slug,
            ),
        )
    apply_program_setting(program, args["field"], args["value"])
    await ctx.uow.programs.save(program)
    return Outcome(
        [
            # Translators: {setting} is a setting's name as typed (cadence, matching): keep it.
            Reply(_("Updated {setting}.", setting=args["field"]), title=program.name),
            program_reply(program, coordinator=True),
        ]
    )


def apply_program_setting(program: Program, field_name: str, raw: str) -> None:
    setting = next(setting for setting in SETTINGS if setting.name == field_name)
    setattr(program, setting.attribute, setting.parse(raw))
    if program.starts_on and program.ends_on and program.ends_on <= program.starts_on:
        raise InvalidInput(_("The program must end after it starts."))


# --- enrolment ---------------------------------------------------------------------------


# How each role is shown in a list (its value is stored, and typed in `enroll`).
ROLE_LABELS = {
    Role.MENTOR: p_("role", "mentor"),
    Role.MENTEE: p_("role", "mentee"),
    Role.COORDINATOR: p_("role", "coordinator"),
}


def _role(data: Data) -> Role:
    return Role(data["role"])


async def _ask_skills(ctx: Context, data: Data) -> Prompt:
    if _role(data) is Role.MENTOR:
        return Prompt(_("What can you help with? A few skills or topics, separated by commas."))
    return Prompt(_("What would you like to learn? A few skills or topics, separated by commas."))


async def _parse_skills(ctx: Context, data: Data, raw: str) -> list[str]:
    return list(clean_skills(raw.split(",")))


async def _ask_goals(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        _(
            "What do you want to achieve in this program? One or two sentences. "
            "Only you and your future mentor will see this."
        ),
        optional=True,
    )


async def _parse_goals(ctx: Context, data: Data, raw: str) -> str:
    return "" if raw == SKIP else clean_text(raw, what=_("goals"), limit=SHORT_TEXT_MAX)


async def _ask_mode(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        _("How do you prefer to meet?"),
        choices=[
            # Translators: buttons: ways to meet.
            (_("Written check-ins"), "async"),
            (_("Live chat"), "chat"),
            (_("Calls"), "call"),
        ],
        free_text=False,
    )


async def _parse_mode(ctx: Context, data: Data, raw: str) -> str:
    try:
        return Mode(raw.strip().lower()).value
    except ValueError as exc:
        # Translators: async, chat and call are typed as they are: keep them.
        raise InvalidInput(_("Choose async, chat or call.")) from exc


async def _ask_availability(ctx: Context, data: Data) -> Prompt:
    if ctx.person is None:
        text = _("When are you usually available? e.g. 'Tue/Thu evenings' (your time zone).")
    else:
        # Translators: {zone} is a time zone's name, e.g. Europe/Berlin.
        text = _(
            "When are you usually available? e.g. 'Tue/Thu evenings' ({zone}).",
            zone=ctx.person.timezone,
        )
    return Prompt(text, optional=True)


async def _parse_availability(ctx: Context, data: Data, raw: str) -> str:
    return "" if raw == SKIP else clean_text(raw, what=_("availability"), limit=200)


async def _ask_capacity(ctx: Context, data: Data) -> Prompt:
    usual = ctx.settings.default_capacity
    others = [n for n in (1, 2, 3) if n != usual]
    return Prompt(
        _("How many mentees can you take at once? (or type a number)"),
        # Translators: a button: the number of mentees most mentors take.
        choices=[
            (_("{count} (usual)", count=usual), str(usual)),
            *((str(n), str(n)) for n in others),
        ],
    )


async def _parse_capacity(ctx: Context, data: Data, raw: str) -> int:
    return clean_int(raw, what=_("capacity"), low=1, high=20)


async def _finish_enrollment(ctx: Context, data: Data) -> Outcome:
    program = await ctx.uow.programs.get(int(data["program_id"]))
    if program is None or program.id is None:
        raise NotFound(_("That program no longer exists."))
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
                        _(
                            "{name} joined {program} as a mentor.",
                            name=me.name,
                            program=program.name,
                        )
                        if role is Role.MENTOR
                        else _(
                            "{name} joined {program} as a mentee.",
                            name=me.name,
                            program=program.name,
                        ),
                        title=program.name,
                    ),
                    key=f"enrolled:{program.id}:{me.id}:{role.value}:{enrollment.joins}",
                )
            )
    if role is Role.MENTEE:
        joined = _("You're in {program} as a mentee.", program=program.name)
        next_step = {
            Matching.REQUEST: _(
                "Next: `mentors {slug}` to find a mentor, then `ask`.", slug=program.slug
            ),
            Matching.ASSIGN: _("A coordinator will pair you with a mentor; I'll let you know."),
            Matching.SUGGEST: _("A coordinator will review suggested matches; I'll let you know."),
        }[program.matching]
    else:
        joined = _("You're in {program} as a mentor.", program=program.name)
        next_step = n_(
            "Mentees can now ask you. You'll mentor up to {count} at once.",
            "Mentees can now ask you. You'll mentor up to {count} at once.",
            enrollment.capacity,
        )
    outcome.replies.append(Reply(f"{joined}\n{next_step}", title=_("Joined")))
    return outcome


ENROLLMENT = Flow(
    name="enroll",
    title=N_("program sign-up"),
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
        if role is Role.MENTOR:
            raise Conflict(_("You're already a mentor in {program}.", program=program.name))
        raise Conflict(_("You're already a mentee in {program}.", program=program.name))
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
            _(
                "You still have an open pair in {program} (#{pair}).",
                program=program.name,
                pair=busy[0].id or 0,
            ),
            hint=_("End it first with `end pair={pair}`.", pair=busy[0].id or 0),
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
        raise NotFound(_("You aren't a participant in {program}.", program=program.name))
    name = ctx.me().name
    told = Reply(_("{name} left {program}.", name=name, program=program.name), title=program.name)
    key = f"left:{program.id}:{me}:{','.join(sorted(left))}"  # each join's own leaving
    notices = [
        Notice(coordinator, told, key=key)
        for coordinator in await coordinators_of(ctx, program)
        if coordinator != me
    ]
    return Outcome(
        [
            Reply(
                _(
                    "You've left {program}. Your history stays private to you.",
                    program=program.name,
                )
            )
        ],
        notices,
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
        raise Conflict(
            _("{name} already coordinates {program}.", name=person.name, program=program.name)
        )
    if existing is not None and existing.waiting_since is None:
        raise Conflict(
            _(
                "{name} declined to coordinate {program}; I won't ask them again.",
                name=person.name,
                program=program.name,
            ),
            hint=_(
                "If they change their mind, they can send `coordinator_accept {slug}`.",
                slug=program.slug,
            ),
        )
    invited = Reply(
        _(
            "I've invited {name} to coordinate {program}. They become a coordinator when they "
            "accept; I'll tell you.",
            name=person.name,
            program=program.name,
        ),
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
            _(
                "{name} invites you to coordinate {program}: you would configure it, pair "
                "people and see how pairs are doing. Accept?",
                name=me.name,
                program=program.name,
            ),
            title=program.name,
            choices=(
                Choice(
                    # Translators: a button: accept the invitation.
                    _("Accept"),
                    Action.answer("coordinator_accept", f"#{program.id}").encode(),
                    ChoiceStyle.PRIMARY,
                ),
                Choice(
                    # Translators: a button: decline the invitation.
                    _("Decline"),
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
        raise Conflict(_("You already coordinate {program}.", program=program.name))
    if found is None:
        raise NotFound(_("You have no invitation to coordinate {program}.", program=program.name))
    return found


async def cmd_coordinator_accept(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    program = await program_by_ref(ctx, args["program"])
    enrollment = await _my_invitation(ctx, program)
    others = await coordinators_of(ctx, program)
    enrollment.active, enrollment.waiting_since, enrollment.joined_at = True, None, ctx.now()
    await ctx.uow.enrollments.save(enrollment)
    name = ctx.me().name
    told = Reply(
        _("{name} accepted: they now coordinate {program}.", name=name, program=program.name),
        title=program.name,
    )
    notices = [
        Notice(coordinator, told, key=f"coordinator-accepted:{program.id}:{ctx.my_id()}")
        for coordinator in others
    ]
    return Outcome(
        [
            Reply(
                _("You now coordinate {program}. See `help configure`.", program=program.name),
                title=program.name,
            )
        ],
        notices,
    )


async def cmd_coordinator_decline(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    program = await program_by_ref(ctx, args["program"])
    enrollment = await _my_invitation(ctx, program)
    enrollment.waiting_since = None  # declined: not asked again
    await ctx.uow.enrollments.save(enrollment)
    return Outcome(
        [
            Reply(
                _(
                    "Declined. I won't ask you to coordinate {program} again.",
                    program=program.name,
                )
            )
        ]
    )


def program_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "newprogram",
            N_("Create a mentoring program (you become its coordinator)"),
            cmd_newprogram,
            args=(
                Arg("slug", ArgKind.WORD, N_("a short name, e.g. design-2026")),
                Arg(
                    "name", ArgKind.TEXT, N_("the full name"), rest=True, verbatim=True, max_len=80
                ),
            ),
            examples=("newprogram design-2026 Design mentoring 2026",),
            group=N_("Programs"),
            platform_facts=frozenset({IS_ADMIN}),  # for [programs] creators = "admins"
        ),
        CommandSpec("programs", N_("List programs"), cmd_programs, group=N_("Programs")),
        CommandSpec(
            "program",
            N_("Show a program"),
            cmd_program,
            args=(PROGRAM_ARG,),
            group=N_("Programs"),
        ),
        CommandSpec(
            "enroll",
            N_("Join a program as mentor or mentee"),
            cmd_enroll,
            args=(
                PROGRAM_ARG,
                Arg("role", ArgKind.CHOICE, N_("your role"), choices=("mentor", "mentee")),
                Arg(
                    "capacity",
                    ArgKind.INT,
                    N_("mentees at once (mentors)"),
                    required=False,
                    low=1,
                    high=20,
                ),
            ),
            examples=("enroll design-2026 mentee", "enroll design-2026 mentor 2"),
            group=N_("Programs"),
        ),
        CommandSpec(
            "leave", N_("Leave a program"), cmd_leave, args=(PROGRAM_ARG,), group=N_("Programs")
        ),
        CommandSpec(
            "configure",
            N_("Change a program's settings"),
            ForCoordinators(cmd_configure),
            args=(
                PROGRAM_ARG,
                Arg("field", ArgKind.CHOICE, N_("what to change"), choices=CONFIG_FIELDS),
                Arg(
                    "value",
                    ArgKind.TEXT,
                    N_("the new value"),
                    rest=True,
                    verbatim=True,
                    max_len=1000,
                ),
            ),
            access=Access.COORDINATOR,
            program_arg="program",
            details=tuple(setting.detail for setting in SETTINGS),
            examples=(
                "configure design-2026 cadence fortnightly",
                "configure design-2026 duration 10 weeks",
                "configure design-2026 questions What did you try? | What's next?",
            ),
            group=N_("Coordinators"),
        ),
        CommandSpec(
            "coordinator_accept",
            N_("Accept an invitation to coordinate a program"),
            cmd_coordinator_accept,
            args=(PROGRAM_ARG,),
            group=N_("Programs"),
            hidden=True,  # the invitation's button
        ),
        CommandSpec(
            "coordinator_decline",
            N_("Decline an invitation to coordinate a program"),
            cmd_coordinator_decline,
            args=(PROGRAM_ARG,),
            group=N_("Programs"),
            hidden=True,
        ),
        CommandSpec(
            "coordinator",
            N_("Invite someone to coordinate a program"),
            ForCoordinators(cmd_coordinator),
            args=(PROGRAM_ARG, Arg("person", ArgKind.PERSON, N_("their handle"))),
            access=Access.COORDINATOR,
            program_arg="program",
            group=N_("Coordinators"),
        ),
    ]
