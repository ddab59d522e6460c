"""Registration and profiles: start, profile, help, cancel."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.commands.accounts import notify_on
from core.commands.common import coordinators_of, is_coordinator
from core.commands.programs import program_reply
from core.context import Context
from core.dialogs import Data, Flow, Prompt, Step, as_outcome
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.i18n import N_, _, native_name, said, supported
from core.identity import Person, PlatformAccount
from core.messages import Action, Choice, Field, Notice, Outcome, Reply
from core.model import Program, Role
from core.registry import Access, Arg, ArgKind, CommandSpec, bare
from core.text import (
    clean_handle,
    clean_int,
    clean_languages,
    clean_name,
    clean_timezone,
    handle_from_name,
    likely_timezones,
    zone_label,
    zone_read_as,
)

PROFILE_FIELDS = ("name", "timezone", "languages", "quiet", "handle", "notify")
# `start join_<slug>`: what a link like t.me/<bot>?start=join_<slug> sends (payloads are
# one word of A-Z a-z 0-9 _ -), so an invitation to a program is a link people can share.
JOIN_PAYLOAD = re.compile(r"join_([a-z][a-z0-9-]{1,31})")


async def unique_handle(ctx: Context, name: str) -> str:
    base = handle_from_name(name)
    if len(base) < 2:
        base = f"{base}_x"
    candidate, n = base, 1
    while await ctx.uow.people.handle_taken(candidate):
        n += 1
        candidate = f"{base[:20]}{n}"
    return candidate


async def link_account(ctx: Context, person: Person) -> None:
    """The acting messenger account becomes ``person``'s, for this and every later event."""
    assert person.id is not None
    ctx.account = await ctx.uow.accounts.add(
        PlatformAccount(
            platform=ctx.ref.platform,
            workspace=ctx.ref.workspace,
            user_id=ctx.ref.user_id,
            person_id=person.id,
            display_name=ctx.ref.label,
            created_at=ctx.now(),
        )
    )
    ctx.person = person


async def register(ctx: Context, *, name: str, timezone: str, languages: tuple[str, ...]) -> Person:
    if ctx.person is not None:
        raise Conflict(
            _("You're already registered."), hint=_("Send `profile` to see or change it.")
        )
    person = await ctx.uow.people.add(
        Person(
            handle=await unique_handle(ctx, name),
            name=name,
            timezone=timezone,
            languages=languages,
            created_at=ctx.now(),
            platform_language=supported(ctx.ref.locale) or "",  # "": their messenger says none
        )
    )
    await link_account(ctx, person)
    return person


def profile_reply(person: Person, language: str, *, title: str = "") -> Reply:
    """``language``: the one the bot speaks to them in (``ctx.language``)."""
    return Reply(
        "",
        title=title or _("Your profile"),
        fields=(
            Field(_("Name"), person.name),
            Field(_("Handle"), f"@{person.handle}"),
            Field(_("Time zone"), zone_label(person.timezone)),
            # Translators: the languages someone mentors or is mentored in
            Field(_("Languages"), ", ".join(person.languages)),
            Field(_("Quiet hours"), f"{person.quiet_start:02d}:00-{person.quiet_end:02d}:00"),
            # Translators: the language the bot writes to this person in
            Field(_("Language"), native_name(language)),
        ),
        choices=(
            Choice(_("Change time zone"), Action.command("profile", "timezone").encode()),
            Choice(_("Change languages"), Action.command("profile", "languages").encode()),
        ),
    )


# --- registration flow -----------------------------------------------------------------


async def _ask_name(ctx: Context, data: Data) -> Prompt:
    suggested = ctx.ref.display_name.strip()
    choices = [(_("Use “{name}”", name=suggested[:40]), "=display")] if suggested else []
    return Prompt(_("Welcome to mentorhub! What name should people see?"), choices=choices)


async def _parse_name(ctx: Context, data: Data, raw: str) -> str:
    return clean_name(ctx.ref.display_name if raw == "=display" else raw)


async def _ask_timezone(ctx: Context, data: Data) -> Prompt:
    hint = ctx.ref.tz_hint
    zones = [hint] if hint else []
    zones += [z for z in likely_timezones(ctx.ref.locale) if z not in zones]
    return Prompt(
        _(
            "Which time zone are you in? Reminders arrive at sensible local times.\n"
            "Tap one, or type an IANA name (Europe/Berlin) or a city (Lisbon)."
        ),
        choices=[(zone, zone) for zone in zones[:4]],
    )


async def _parse_timezone(ctx: Context, data: Data, raw: str) -> str:
    clean_timezone(raw)  # validates; the zone is read when registering, to say which it is
    return raw.strip()


async def _ask_languages(ctx: Context, data: Data) -> Prompt:
    guess = (ctx.ref.locale or "en").split("-")[0].lower()
    choices = [(guess, guess)] + ([("en", "en")] if guess != "en" else [])
    return Prompt(
        _("Which languages can you mentor or be mentored in? e.g. en, de"), choices=choices
    )


async def _parse_languages(ctx: Context, data: Data, raw: str) -> list[str]:
    return list(clean_languages(raw))


async def _finish_registration(ctx: Context, data: Data) -> list[Reply]:
    zone = clean_timezone(data["timezone"])
    person = await register(
        ctx, name=data["name"], timezone=zone, languages=tuple(data["languages"])
    )
    read_as = zone_read_as(data["timezone"], zone)
    replies = [Reply(read_as)] if read_as else []
    invited = await ctx.uow.programs.by_slug(data["program"]) if "program" in data else None
    if invited is None:  # no invitation, or the program went away while they registered
        return [*replies, welcome(person)]
    return [*replies, welcome(person, invited), program_reply(invited, coordinator=False)]


def welcome(person: Person, invited: Program | None = None) -> Reply:
    next_step = (
        _("Next: join {program} below, or `help` to see everything.", program=invited.name)
        if invited is not None
        else _("Next: `programs` to find a program to join, or `help` to see everything.")
    )
    registered = _(
        "You're registered, {name}. Your handle is @{handle}.",
        name=person.name,
        handle=person.handle,
    )
    return Reply(f"{registered}\n{next_step}", title=_("Welcome!"))


REGISTRATION = Flow(
    name="register",
    title=N_("registration"),
    steps=(
        Step("name", _ask_name, _parse_name, when=lambda d: "name" not in d),
        Step("timezone", _ask_timezone, _parse_timezone, when=lambda d: "timezone" not in d),
        Step("languages", _ask_languages, _parse_languages, when=lambda d: "languages" not in d),
    ),
    finish=_finish_registration,
)


# --- commands ----------------------------------------------------------------------------


def invited_program(args: Mapping[str, Any]) -> str | None:
    """The program slug when ``start`` got only a ``join_<slug>`` payload, else None (any
    other lone word is still taken as the name, as typed)."""
    if set(args) != {"name"}:
        return None
    found = JOIN_PAYLOAD.fullmatch(str(args["name"]).strip().lower())
    return found.group(1) if found else None


def claimed_handle(args: Mapping[str, Any]) -> str | None:
    """The raw handle when ``start`` got only ``@handle``, else None."""
    if set(args) != {"name"}:
        return None
    raw = str(args["name"]).strip()
    return raw if raw.startswith("@") else None


async def cmd_start(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    slug = invited_program(args)
    if slug is not None:
        return await _start_invited(ctx, slug)
    handle = claimed_handle(args)
    if handle is not None:
        return await _claim(ctx, handle)
    if ctx.person is not None:
        return Outcome(
            [
                Reply(_("Welcome back, {name}!", name=ctx.person.name)),
                profile_reply(ctx.person, ctx.language),
            ]
        )
    data: Data = {}
    if "name" in args:
        data["name"] = clean_name(args["name"])
    if "timezone" in args:
        data["timezone"] = args["timezone"]
    if "languages" in args:
        data["languages"] = list(clean_languages(args["languages"]))
    if {"name", "timezone", "languages"} <= data.keys():
        return as_outcome(await _finish_registration(ctx, data))
    return await ctx.dialogs.start(ctx, REGISTRATION.name, data)


async def _claim(ctx: Context, raw: str) -> Outcome:
    """``start @handle``: link this account to a profile a coordinator imported.

    Trust model: a handle is not a secret. A profile can be claimed only while it has no
    messenger account at all (``mentorhub import`` creates such profiles; registering in
    chat always adds an account), so the first claim wins and nobody's registered profile
    can be taken. The coordinators of the person's programs are told which account
    claimed it, so a wrong claim is noticed. E-mail addresses are not used.
    """
    handle = clean_handle(raw)
    if ctx.person is not None:
        raise Conflict(
            _("This account is already registered as @{handle}.", handle=ctx.person.handle),
            hint=_("Send `profile` to see it."),
        )
    person = await ctx.uow.people.by_handle(handle)
    if person is None or person.id is None:
        raise NotFound(
            _("Nobody was added with the handle @{handle}.", handle=handle),
            hint=_("Check the handle with your coordinator, or send `start` to register."),
        )
    if await ctx.uow.accounts.of_person(person.id):
        raise NotAllowed(
            _("The profile @{handle} is already linked to a messenger account.", handle=handle),
            hint=_("If it is yours, ask your coordinator; or send `start` to register afresh."),
        )
    await link_account(ctx, person)
    outcome = Outcome(
        [
            Reply(
                _(
                    "Welcome, {name}! A coordinator added you to mentorhub: this account is "
                    "now @{handle}.\nNext: `pairs` to see your mentoring pairs, `profile` to "
                    "check your time zone and languages, or `help` to see everything.",
                    name=person.name,
                    handle=handle,
                ),
                title=_("Welcome!"),
            ),
            profile_reply(person, ctx.language),
        ]
    )
    told: set[int] = set()
    for enrollment in await ctx.uow.enrollments.of_person(person.id):
        if enrollment.role is Role.COORDINATOR:
            continue
        program = await ctx.uow.programs.get(enrollment.program_id)
        if program is None:
            continue
        for coordinator in await coordinators_of(ctx, program):
            if coordinator in told or coordinator == person.id:
                continue
            told.add(coordinator)
            if ctx.ref.display_name:
                claimed = _(
                    "{name} (@{handle}) claimed their imported profile from {account} on "
                    "{messenger}.",
                    name=person.name,
                    handle=handle,
                    account=ctx.ref.display_name,
                    messenger=ctx.ref.platform.shown,
                )
            else:
                claimed = _(
                    "{name} (@{handle}) claimed their imported profile from an account on "
                    "{messenger}.",
                    name=person.name,
                    handle=handle,
                    messenger=ctx.ref.platform.shown,
                )
            outcome.notices.append(
                Notice(
                    coordinator,
                    Reply(claimed, title=program.name),
                    key=f"claimed:{person.id}",
                )
            )
    return outcome


async def _start_invited(ctx: Context, slug: str) -> Outcome:
    """Register if needed, then show the program with its join buttons."""
    program = await ctx.uow.programs.by_slug(slug)
    if program is None:  # an old link: carry on as a plain start
        outcome = await cmd_start(ctx, {})
        outcome.replies.insert(
            0,
            Reply(
                _(
                    "The program '{program}' from your link doesn't exist. See `programs`.",
                    program=slug,
                )
            ),
        )
        return outcome
    if ctx.person is None:
        return await ctx.dialogs.start(ctx, REGISTRATION.name, {"program": program.slug})
    return Outcome([program_reply(program, coordinator=await is_coordinator(ctx, program))])


async def cmd_profile(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    person = ctx.me()
    field_name = args.get("field")
    value = args.get("value")
    if field_name is None:
        return Outcome([profile_reply(person, ctx.language)])
    if field_name == "notify":
        return await notify_on(ctx, value)
    if value is None:
        return await ctx.dialogs.start(ctx, PROFILE_EDIT.name, {"field": field_name})
    data: Data = {"field": field_name}
    data["value"] = await _parse_profile_value(ctx, data, value)
    return as_outcome(await _finish_profile_edit(ctx, data))


def apply_profile_change(person: Person, field_name: str, raw: str) -> None:
    if field_name == "name":
        person.name = clean_name(raw)
    elif field_name == "timezone":
        person.timezone = clean_timezone(raw)
    elif field_name == "languages":
        person.languages = clean_languages(raw)
    elif field_name == "handle":
        person.handle = clean_handle(raw)
    elif field_name == "quiet":
        person.quiet_start, person.quiet_end = parse_quiet_hours(raw)
    else:  # the registry's CHOICE arg already limits this
        raise InvalidInput(_("Unknown profile field '{field}'.", field=field_name))


def parse_quiet_hours(raw: str) -> tuple[int, int]:
    start, sep, end = raw.replace(" ", "").replace(":00", "").partition("-")
    if not sep:
        raise InvalidInput(
            _("'{hours}' is not a range of hours.", hours=raw[:20]),
            hint=_("Write quiet hours as start-end in your local time, e.g. 22-7."),
        )
    low = clean_int(start, what=_("quiet hours start"), low=0, high=23)
    high = clean_int(end, what=_("quiet hours end"), low=0, high=23)
    if low == high:
        raise InvalidInput(_("Quiet hours must start and end at different hours."))
    return low, high


async def _ask_profile_value(ctx: Context, data: Data) -> Prompt:
    field_name = data["field"]
    if field_name == "timezone":
        return await _ask_timezone(ctx, data)
    examples = {
        "name": _("What name should people see?"),
        "languages": _("Which languages? e.g. en, de"),
        "quiet": _("When should I stay quiet? Hours in your local time, e.g. 22-7."),
        "handle": _("Which handle? 2-24 characters: letters, digits, _."),
    }
    return Prompt(examples[field_name])


async def _parse_profile_value(ctx: Context, data: Data, raw: str) -> str:
    person = ctx.me()
    probe = Person(**{k: getattr(person, k) for k in Person.__dataclass_fields__})
    apply_profile_change(probe, data["field"], raw)  # validates
    changed_handle = data["field"] == "handle" and probe.handle != person.handle
    if changed_handle and await ctx.uow.people.handle_taken(probe.handle):
        raise InvalidInput(
            _("The handle @{handle} is taken.", handle=probe.handle),
            hint=_("Please choose another."),
        )
    return raw


async def _finish_profile_edit(ctx: Context, data: Data) -> list[Reply]:
    person = ctx.me()
    apply_profile_change(person, data["field"], data["value"])
    await ctx.uow.people.save(person)
    updated = profile_reply(person, ctx.language, title=_("Profile updated"))
    read_as = zone_read_as(data["value"], person.timezone) if data["field"] == "timezone" else None
    return [Reply(read_as), updated] if read_as else [updated]


PROFILE_EDIT = Flow(
    name="profile_edit",
    title=N_("profile change"),
    steps=(Step("value", _ask_profile_value, _parse_profile_value),),
    finish=_finish_profile_edit,
)


async def cmd_cancel(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    title = await ctx.dialogs.cancel(ctx)
    if title is None:
        return Outcome([Reply(_("There was nothing to cancel."))])
    # Translators: {what} is what was being asked, e.g. "registration", "check-in"
    cancelled = _("Cancelled your {what}. Nothing from it was saved.", what=said(title))
    return Outcome([Reply(cancelled)])


def people_commands(help_handler: Any) -> list[CommandSpec]:
    return [
        CommandSpec(
            "help",
            N_("List what you can do, or explain one command"),
            help_handler,
            args=(
                Arg(
                    "command",
                    ArgKind.TEXT,
                    N_("a command to explain"),
                    required=False,
                    rest=True,
                    verbatim=True,
                    max_len=64,
                ),
            ),
            access=Access.ANYONE,
            examples=("help", "help profile"),
        ),
        CommandSpec(
            "start",
            N_("Register: your name, time zone and languages"),
            cmd_start,
            args=(
                Arg("name", ArgKind.TEXT, N_("the name people see"), required=False, max_len=80),
                Arg("timezone", ArgKind.TIMEZONE, N_("IANA zone or city"), required=False),
                Arg("languages", ArgKind.TEXT, N_("codes like en,de"), required=False),
            ),
            access=Access.ANYONE,
            aliases=("join",),
            examples=(
                'start "Alice Smith" Europe/Berlin en,de',
                "start",
                "start join_design-2026",
                "start @alice_smith",
            ),
        ),
        CommandSpec(
            "profile",
            N_("Show your profile, or change one field"),
            cmd_profile,
            args=(
                Arg(
                    "field",
                    ArgKind.CHOICE,
                    N_("what to change"),
                    required=False,
                    choices=PROFILE_FIELDS,
                ),
                Arg(
                    "value",
                    ArgKind.TEXT,
                    N_("the new value"),
                    required=False,
                    rest=True,
                    verbatim=True,
                    max_len=80,
                ),
            ),
            examples=(
                "profile",
                "profile timezone America/New_York",
                "profile quiet 22-7",
                "profile notify console",
            ),
            details=(
                N_(
                    "`profile notify <messenger>`: reminders and notices go to that account "
                    "first; if it can't be reached, to your others in the order you chose them."
                ),
            ),
            reads_when=bare,
        ),
        CommandSpec(
            "cancel", N_("Cancel the question I'm waiting on"), cmd_cancel, access=Access.ANYONE
        ),
    ]
