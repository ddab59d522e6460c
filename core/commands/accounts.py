"""One person, several messengers: connect, connections, disconnect.

`connect` on one account gives a one-time code; `connect CODE` on another account asks the
first one to confirm; once confirmed the second account is the same person's (a person
registered there too is merged in, unless that would leave them in a conflict).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from core.commands.common import spend_allowance
from core.context import Context
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.i18n import N_, _, is_deferred, n_
from core.identity import LinkCode, Person, Platform, PlatformAccount
from core.messages import Action, Choice, ChoiceStyle, Field, Notice, Outcome, Reply
from core.registry import Access, Arg, ArgKind, CommandSpec

# No 0/O, 1/I/L: read off one screen and typed on another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_VALID = timedelta(minutes=10)
CONFIRM_WITHIN = timedelta(minutes=10)  # after the code was sent back
TRIES_WINDOW = timedelta(hours=1)
CODES_PER_HOUR = 5
WRONG_CODES_PER_HOUR = 5
ISSUED, WRONG = "link_issue", "link_wrong"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _unused in range(CODE_LENGTH))


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalized(raw: str) -> str:
    """A code as typed ("abcd-2345", "ABCD 2345") as it was given."""
    return "".join(ch for ch in raw.upper() if ch not in " -_")


def _where(account: PlatformAccount) -> str:
    shown = account.display_name or account.user_id
    return f"{account.platform.shown} ({shown})"


def _button_label(text: str) -> str:
    """At most a button's 60 characters (a message is never cut: it isn't text yet)."""
    return text if is_deferred(text) else text[:60]


async def cmd_connect(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    raw = args.get("code")
    if raw is None:
        return await _issue(ctx)
    return await _claim(ctx, str(raw))


async def _issue(ctx: Context) -> Outcome:
    person = ctx.me()
    assert person.id is not None and ctx.account is not None and ctx.account.id is not None
    too_many = NotAllowed(
        n_(
            "You asked for {count} code in the last hour.",
            "You asked for {count} codes in the last hour.",
            CODES_PER_HOUR,
        ),
        hint=_("Use the latest one, or try again in an hour."),
    )
    await spend_allowance(
        ctx, f"person:{person.id}", ISSUED, per_hour=CODES_PER_HOUR, refused=too_many
    )
    now = ctx.now()
    await ctx.uow.links.drop_codes(person.id)  # only the newest code works
    code = new_code()
    await ctx.uow.links.add_code(
        LinkCode(
            person_id=person.id,
            account_id=ctx.account.id,
            code_hash=code_hash(code),
            created_at=now,
            expires_at=now + CODE_VALID,
        )
    )
    return Outcome(
        [
            Reply(
                _(
                    "Your code: {code}\nOn your other messenger, send `connect {code}` to the "
                    "mentorhub bot within 10 minutes. I'll ask you here to confirm. The code "
                    "works once; never give it to anyone else.",
                    code=code,
                ),
                title=_("Connect another messenger"),
            )
        ]
    )


async def _claim(ctx: Context, raw: str) -> Outcome:
    now = ctx.now()
    keys = [f"account:{ctx.actor}"] + ([f"person:{ctx.person.id}"] if ctx.person else [])
    since = now - TRIES_WINDOW
    wrong = max([await ctx.uow.links.count(k, WRONG, since=since) for k in keys])
    if wrong >= WRONG_CODES_PER_HOUR:
        raise NotAllowed(
            n_(
                "{count} wrong code in the last hour: I'm not taking more.",
                "{count} wrong codes in the last hour: I'm not taking more.",
                WRONG_CODES_PER_HOUR,
            ),
            hint=_("Try again in an hour, with a new code from `connect` on your other messenger."),
        )
    given = code_hash(normalized(raw))
    found: LinkCode | None = None
    for live in await ctx.uow.links.live_codes(now):  # every one compared, in constant time
        if hmac.compare_digest(live.code_hash, given):
            found = live
    if found is None:
        for key in keys:
            await ctx.uow.links.record(key, WRONG, at=now)
        left = WRONG_CODES_PER_HOUR - wrong - 1
        return Outcome(
            [
                Reply(
                    n_(
                        "That code doesn't work: it is wrong, used or more than 10 minutes old. "
                        "{count} more try this hour.\nSend `connect` on your other messenger "
                        "for a new one.",
                        "That code doesn't work: it is wrong, used or more than 10 minutes old. "
                        "{count} more tries this hour.\nSend `connect` on your other messenger "
                        "for a new one.",
                        left,
                    ),
                    is_error=True,
                )
            ]
        )
    first = await ctx.uow.accounts.get(found.account_id)
    person = await ctx.uow.people.get(found.person_id)
    assert first is not None and person is not None and person.id is not None
    if ctx.person is not None and ctx.person.id == person.id:
        raise Conflict(
            _("This account is already yours."), hint=_("Send `connections` to see them.")
        )
    if ctx.person is not None:
        assert ctx.person.id is not None
        await refuse_conflicts(ctx, person.id, ctx.person.id)
    found.claimed_at = now
    found.claimant_platform = ctx.ref.platform.value
    found.claimant_workspace = ctx.ref.workspace
    found.claimant_user_id = ctx.ref.user_id
    found.claimant_name = ctx.ref.label[:120]
    await ctx.uow.links.save_code(found)
    assert found.id is not None
    if ctx.ref.display_name:
        sent = _(
            "“{account}” on {messenger} sent your code to connect to you (@{handle}).",
            account=ctx.ref.display_name,
            messenger=ctx.ref.platform.shown,
            handle=person.handle,
        )
    else:
        sent = _(
            "An account on {messenger} sent your code to connect to you (@{handle}).",
            messenger=ctx.ref.platform.shown,
            handle=person.handle,
        )
    merged = (
        "\n"
        + _(
            "It is registered as @{handle}: that profile, with its programs, pairs and notes, "
            "becomes part of yours.",
            handle=ctx.person.handle,
        )
        if ctx.person is not None
        else ""
    )
    confirm = _("Connect it? Say yes only if it is yours.")
    ask = Notice(
        person.id,
        Reply(
            f"{sent}{merged}\n{confirm}",
            title=_("Connect another messenger"),
            choices=(
                Choice(
                    _("Yes, connect it"),
                    Action.answer("connect_answer", str(found.id), "yes").encode(),
                    ChoiceStyle.PRIMARY,
                ),
                Choice(
                    _("No"),
                    Action.answer("connect_answer", str(found.id), "no").encode(),
                    ChoiceStyle.DANGER,
                ),
            ),
        ),
        key=f"connect:{found.id}",
        account_id=first.id,
    )
    return Outcome(
        [
            Reply(
                _(
                    "Almost done: confirm on {account}, where you asked for the code.",
                    account=_where(first),
                )
            )
        ],
        [ask],
    )


async def cmd_connect_answer(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    person = ctx.me()
    assert person.id is not None and ctx.account is not None
    code = await ctx.uow.links.get_code(int(args["request"]))
    if (
        code is None
        or code.person_id != person.id
        or code.claimed_at is None
        or code.claimed_at + CONFIRM_WITHIN < ctx.now()
    ):
        raise NotFound(
            _("That request to connect is no longer open."),
            hint=_("Send `connect` for a new code."),
        )
    if code.account_id != ctx.account.id:
        raise NotAllowed(_("Confirm on the account where you asked for the code."))
    await ctx.uow.links.drop_codes(person.id)
    if args["answer"] != "yes":
        return Outcome(
            [Reply(_("Not connected. If someone else has your code, it no longer works."))]
        )
    platform = Platform(code.claimant_platform)
    account = await ctx.uow.accounts.find(platform, code.claimant_workspace, code.claimant_user_id)
    order = len(await ctx.uow.accounts.of_person(person.id))
    if account is None:
        account = await ctx.uow.accounts.add(
            PlatformAccount(
                platform=platform,
                workspace=code.claimant_workspace,
                user_id=code.claimant_user_id,
                person_id=person.id,
                display_name=code.claimant_name,
                preferred=False,
                notify_rank=order,
                created_at=ctx.now(),
            )
        )
        merged = ""
    elif account.person_id == person.id:
        return Outcome([Reply(_("That account is already yours."))])
    else:
        absorbed = await ctx.uow.people.get(account.person_id)
        assert absorbed is not None and absorbed.id is not None
        await refuse_conflicts(ctx, person.id, absorbed.id)
        await ctx.uow.links.merge_people(person.id, absorbed.id)
        merged = " " + _("Your profile @{handle} is now part of this one.", handle=absorbed.handle)
    assert account.id is not None
    where = _where(account)
    return Outcome(
        [
            Reply(
                _("Connected: {account} is now yours too.", account=where)
                + f"{merged}\n"
                + _("Send `connections` to see them.")
            )
        ],
        [
            Notice(
                person.id,
                Reply(
                    _(
                        "This account is now connected to @{handle} ({name}).",
                        handle=person.handle,
                        name=person.name,
                    )
                    + f"{merged}\n"
                    + _(
                        "Send `connections` to see your accounts, `profile notify <messenger>` "
                        "to choose where reminders go."
                    )
                ),
                key=f"connected:{account.id}:{int(ctx.now().timestamp())}",
                account_id=account.id,
            )
        ],
    )


async def refuse_conflicts(ctx: Context, keep: int, absorb: int) -> None:
    """Two profiles can become one only if the one left doesn't break the rules: not
    paired with itself, not twice in a program, not in two open pairs of a program."""
    problems: list[str] = []
    pairs_keep = await ctx.uow.pairs.of_person(keep)
    pairs_absorb = await ctx.uow.pairs.of_person(absorb)
    for pair in pairs_keep:
        if pair.has(absorb):
            problems.append(_("the two profiles are pair #{pair}", pair=str(pair.id)))
    open_programs = {p.program_id for p in pairs_keep if p.status.is_open}
    both_open = {p.program_id for p in pairs_absorb if p.status.is_open} & open_programs
    enrolled = {e.program_id for e in await ctx.uow.enrollments.of_person(keep)}
    both_in = {e.program_id for e in await ctx.uow.enrollments.of_person(absorb)} & enrolled
    for program_id in sorted(both_in | both_open):
        program = await ctx.uow.programs.get(program_id)
        name = program.name if program else _("program #{program}", program=str(program_id))
        if program_id in both_open:
            problems.append(_("both have an open pair in {program}", program=name))
        else:
            problems.append(_("both are in {program}", program=name))
    if problems:
        raise Conflict(
            # Translators: {problems}: reasons joined with "; ", e.g. "both are in Design"
            _("These two profiles can't become one: {problems}.", problems="; ".join(problems)),
            hint=_("End the extra pair or `leave` the program with one of them, then try again."),
        )


async def cmd_connections(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    person = ctx.me()
    assert person.id is not None
    accounts = await ctx.uow.accounts.of_person(person.id)
    for account in accounts:  # a new @name is written after this read: show it already
        if ctx.account is not None and account.id == ctx.account.id and ctx.ref.username:
            account.display_name = ctx.ref.label
    return Outcome([connections_reply(person, accounts, here=ctx.account)])


def nudges_go_to(accounts: list[PlatformAccount]) -> PlatformAccount | None:
    """The account delivery tries first (accounts in the person's order)."""
    return next((a for a in accounts if a.reachable and a.gone_at is None), None)


def connections_reply(
    person: Person, accounts: list[PlatformAccount], *, here: PlatformAccount | None
) -> Reply:
    first = nudges_go_to(accounts)
    fields = []
    for account in accounts:
        notes = []
        if first is not None and account.id == first.id:
            notes.append(_("reminders go here"))
        if account.gone_at is not None:
            notes.append(_("gone: the messenger says this account no longer exists"))
        elif not account.reachable:
            notes.append(_("unreachable: I can't message it"))
        if here is not None and account.id == here.id:
            notes.append(_("you're using it now"))
        shown = account.display_name or account.user_id
        fields.append(
            Field(account.platform.shown, shown + (f" ({'; '.join(notes)})" if notes else ""))
        )
    return Reply(
        _(
            "Send `connect` to add a messenger, `profile notify <messenger>` to choose where "
            "reminders go, `disconnect <messenger>` to remove one."
        ),
        title=_("Accounts of @{handle}", handle=person.handle),
        fields=tuple(fields),
    )


async def cmd_disconnect(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    person = ctx.me()
    assert person.id is not None
    accounts = await ctx.uow.accounts.of_person(person.id)
    named = str(args["messenger"]).strip().lower()
    matching = [a for a in accounts if a.platform.value == named]
    if not matching:
        on = ", ".join(sorted({a.platform.value for a in accounts}))
        raise NotFound(
            _("You have no {messenger} account here.", messenger=named[:20]),
            hint=_("Yours: {messengers}.", messengers=on),
        )
    if len(accounts) == 1:
        raise NotAllowed(
            _("That is your last account: without it nobody could reach you."),
            hint=_("Send `forget_me` to delete everything instead."),
        )
    if len(matching) > 1:  # several on one messenger: the one speaking means itself
        matching = [a for a in matching if ctx.account is not None and a.id == ctx.account.id]
        if not matching:
            raise InvalidInput(
                _(
                    "You have several {messenger} accounts: send `disconnect {messenger}` from "
                    "the one to disconnect.",
                    messenger=named,
                )
            )
    (gone,) = matching
    assert gone.id is not None
    await ctx.uow.accounts.remove(gone.id)
    await ctx.uow.dialogs.delete(f"{gone.platform.value}:{gone.workspace}:{gone.user_id}")
    rest = [a for a in accounts if a.id != gone.id]
    if gone.preferred and not any(a.preferred for a in rest):
        rest[0].preferred = True
        await ctx.uow.accounts.save(rest[0])
    return Outcome(
        [
            Reply(
                _("Disconnected {account}: nothing more goes there.", account=_where(gone)),
                fields=(Field(_("Still connected"), ", ".join(_where(a) for a in rest)),),
            )
        ]
    )


async def notify_on(ctx: Context, messenger: str | None) -> Outcome:
    """`profile notify <messenger>`: that account comes first in the person's order, the
    others keep theirs after it (delivery falls back along it)."""
    person = ctx.me()
    assert person.id is not None
    accounts = await ctx.uow.accounts.of_person(person.id)
    if messenger is None:
        return Outcome(
            [
                Reply(
                    _("Where should reminders and notices go first?"),
                    choices=tuple(
                        Choice(
                            _button_label(_where(a)),
                            Action.command("profile", "notify", a.platform.value).encode(),
                        )
                        for a in accounts
                        if a.gone_at is None
                    ),
                )
            ]
        )
    named = messenger.strip().lower()
    matching = [a for a in accounts if a.platform.value == named and a.gone_at is None]
    here = [a for a in matching if ctx.account is not None and a.id == ctx.account.id]
    if not matching:
        on = ", ".join(sorted({a.platform.value for a in accounts if a.gone_at is None}))
        raise NotFound(
            _("You have no {messenger} account to send to.", messenger=named[:20]),
            hint=_("Yours: {messengers}.", messengers=on),
        )
    chosen = (here or matching)[0]
    order = [chosen, *(a for a in accounts if a.id != chosen.id)]
    for rank, account in enumerate(order):
        account.preferred, account.notify_rank = account is chosen, rank
        await ctx.uow.accounts.save(account)
    fallback = ""
    if later := [_where(a) for a in order[1:] if a.gone_at is None]:
        then = later[0]
        for where in later[1:]:  # in the order tried: "A, then B, then C"
            then = _("{accounts}, then {account}", accounts=then, account=where)
        fallback = "\n" + _("If I can't reach you there: {accounts}.", accounts=then)
    said = _("Reminders and notices now go to {account}.", account=_where(chosen))
    return Outcome([Reply(f"{said}{fallback}")])


def account_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "connect",
            N_("Connect another messenger to you, with a one-time code"),
            cmd_connect,
            args=(
                Arg("code", ArgKind.WORD, N_("the code from your other messenger"), required=False),
            ),
            access=Access.ANYONE,  # the code is typed where one may not be registered yet
            group=N_("Accounts"),
            examples=("connect", "connect K7QM4XPA"),
            details=(
                N_(
                    "`connect` gives a code valid 10 minutes; send `connect CODE` from the other "
                    "messenger, then confirm where you asked for it."
                ),
            ),
        ),
        CommandSpec(
            "connect_answer",
            N_("Confirm or refuse connecting an account"),
            cmd_connect_answer,
            args=(
                Arg("request", ArgKind.INT, N_("the request's number"), low=1, high=2**62),
                Arg("answer", ArgKind.CHOICE, N_("yes or no"), choices=("yes", "no")),
            ),
            group=N_("Accounts"),
            hidden=True,  # the confirmation's buttons
        ),
        CommandSpec(
            "connections",
            N_("Your messenger accounts and where reminders go"),
            cmd_connections,
            group=N_("Accounts"),
            reads_only=True,
        ),
        CommandSpec(
            "disconnect",
            N_("Disconnect one of your messengers (never the last)"),
            cmd_disconnect,
            args=(
                Arg("messenger", ArgKind.WORD, N_("which messenger, as `connections` names it")),
            ),
            group=N_("Accounts"),
            examples=("disconnect console",),
        ),
    ]
