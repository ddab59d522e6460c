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

from core.context import Context
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
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
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalized(raw: str) -> str:
    """A code as typed ("abcd-2345", "ABCD 2345") as it was given."""
    return "".join(ch for ch in raw.upper() if ch not in " -_")


def _where(account: PlatformAccount) -> str:
    shown = account.display_name or account.user_id
    return f"{account.platform.shown} ({shown})"


async def cmd_connect(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    raw = args.get("code")
    if raw is None:
        return await _issue(ctx)
    return await _claim(ctx, str(raw))


async def _issue(ctx: Context) -> Outcome:
    person = ctx.me()
    assert person.id is not None and ctx.account is not None and ctx.account.id is not None
    key, now = f"person:{person.id}", ctx.now()
    if await ctx.uow.links.count(key, ISSUED, since=now - TRIES_WINDOW) >= CODES_PER_HOUR:
        raise NotAllowed(
            f"You asked for {CODES_PER_HOUR} codes in the last hour.",
            hint="Use the latest one, or try again in an hour.",
        )
    await ctx.uow.links.record(key, ISSUED, at=now)
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
                f"Your code: {code}\nOn your other messenger, send `connect {code}` to the "
                "mentorhub bot within 10 minutes. I'll ask you here to confirm. The code "
                "works once; never give it to anyone else.",
                title="Connect another messenger",
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
            f"{WRONG_CODES_PER_HOUR} wrong codes in the last hour: I'm not taking more.",
            hint="Try again in an hour, with a new code from `connect` on your other messenger.",
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
                    "That code doesn't work: it is wrong, used or more than 10 minutes old. "
                    f"{left} more tries this hour.\nSend `connect` on your other messenger "
                    "for a new one.",
                    is_error=True,
                )
            ]
        )
    first = await ctx.uow.accounts.get(found.account_id)
    person = await ctx.uow.people.get(found.person_id)
    assert first is not None and person is not None and person.id is not None
    if ctx.person is not None and ctx.person.id == person.id:
        raise Conflict("This account is already yours.", hint="Send `connections` to see them.")
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
    who = f"“{ctx.ref.display_name}”" if ctx.ref.display_name else "an account"
    merged = (
        f"\nIt is registered as @{ctx.person.handle}: that profile, with its programs, pairs "
        "and notes, becomes part of yours."
        if ctx.person is not None
        else ""
    )
    ask = Notice(
        person.id,
        Reply(
            f"{who} on {ctx.ref.platform.shown} sent your code to connect to you "
            f"(@{person.handle}).{merged}\nConnect it? Say yes only if it is yours.",
            title="Connect another messenger",
            choices=(
                Choice(
                    "Yes, connect it",
                    Action.answer("connect_answer", str(found.id), "yes").encode(),
                    ChoiceStyle.PRIMARY,
                ),
                Choice(
                    "No",
                    Action.answer("connect_answer", str(found.id), "no").encode(),
                    ChoiceStyle.DANGER,
                ),
            ),
        ),
        key=f"connect:{found.id}",
        account_id=first.id,
    )
    return Outcome(
        [Reply(f"Almost done: confirm on {_where(first)}, where you asked for the code.")],
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
            "That request to connect is no longer open.",
            hint="Send `connect` for a new code.",
        )
    if code.account_id != ctx.account.id:
        raise NotAllowed("Confirm on the account where you asked for the code.")
    await ctx.uow.links.drop_codes(person.id)
    if args["answer"] != "yes":
        return Outcome([Reply("Not connected. If someone else has your code, it no longer works.")])
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
        return Outcome([Reply("That account is already yours.")])
    else:
        absorbed = await ctx.uow.people.get(account.person_id)
        assert absorbed is not None and absorbed.id is not None
        await refuse_conflicts(ctx, person.id, absorbed.id)
        await ctx.uow.links.merge_people(person.id, absorbed.id)
        merged = f" Your profile @{absorbed.handle} is now part of this one."
    assert account.id is not None
    where = _where(account)
    return Outcome(
        [Reply(f"Connected: {where} is now yours too.{merged}\nSend `connections` to see them.")],
        [
            Notice(
                person.id,
                Reply(
                    f"This account is now connected to @{person.handle} ({person.name}).{merged}"
                    "\nSend `connections` to see your accounts, `profile notify <messenger>` "
                    "to choose where reminders go."
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
            problems.append(f"the two profiles are pair #{pair.id}")
    open_programs = {p.program_id for p in pairs_keep if p.status.is_open}
    both_open = {p.program_id for p in pairs_absorb if p.status.is_open} & open_programs
    enrolled = {e.program_id for e in await ctx.uow.enrollments.of_person(keep)}
    both_in = {e.program_id for e in await ctx.uow.enrollments.of_person(absorb)} & enrolled
    for program_id in sorted(both_in | both_open):
        program = await ctx.uow.programs.get(program_id)
        name = program.name if program else f"program #{program_id}"
        if program_id in both_open:
            problems.append(f"both have an open pair in {name}")
        else:
            problems.append(f"both are in {name}")
    if problems:
        raise Conflict(
            "These two profiles can't become one: " + "; ".join(problems) + ".",
            hint="End the extra pair or `leave` the program with one of them, then try again.",
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
            notes.append("reminders go here")
        if account.gone_at is not None:
            notes.append("gone: the messenger says this account no longer exists")
        elif not account.reachable:
            notes.append("unreachable: I can't message it")
        if here is not None and account.id == here.id:
            notes.append("you're using it now")
        shown = account.display_name or account.user_id
        fields.append(
            Field(account.platform.shown, shown + (f" ({'; '.join(notes)})" if notes else ""))
        )
    return Reply(
        "Send `connect` to add a messenger, `profile notify <messenger>` to choose where "
        "reminders go, `disconnect <messenger>` to remove one.",
        title=f"Accounts of @{person.handle}",
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
        raise NotFound(f"You have no {named[:20]} account here.", hint=f"Yours: {on}.")
    if len(accounts) == 1:
        raise NotAllowed(
            "That is your last account: without it nobody could reach you.",
            hint="Send `forget_me` to delete everything instead.",
        )
    if len(matching) > 1:  # several on one messenger: the one speaking means itself
        matching = [a for a in matching if ctx.account is not None and a.id == ctx.account.id]
        if not matching:
            raise InvalidInput(
                f"You have several {named} accounts: send `disconnect {named}` from the one "
                "to disconnect."
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
                f"Disconnected {_where(gone)}: nothing more goes there.",
                fields=(Field("Still connected", ", ".join(_where(a) for a in rest)),),
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
                    "Where should reminders and notices go first?",
                    choices=tuple(
                        Choice(
                            _where(a)[:60],
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
        raise NotFound(f"You have no {named[:20]} account to send to.", hint=f"Yours: {on}.")
    chosen = (here or matching)[0]
    order = [chosen, *(a for a in accounts if a.id != chosen.id)]
    for rank, account in enumerate(order):
        account.preferred, account.notify_rank = account is chosen, rank
        await ctx.uow.accounts.save(account)
    then = ", then ".join(_where(a) for a in order[1:] if a.gone_at is None)
    fallback = f"\nIf I can't reach you there: {then}." if then else ""
    return Outcome([Reply(f"Reminders and notices now go to {_where(chosen)}.{fallback}")])


def account_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "connect",
            "Connect another messenger to you, with a one-time code",
            cmd_connect,
            args=(Arg("code", ArgKind.WORD, "the code from your other messenger", required=False),),
            access=Access.ANYONE,  # the code is typed where one may not be registered yet
            group="Accounts",
            examples=("connect", "connect K7QM4XPA"),
            details=(
                "`connect` gives a code valid 10 minutes; send `connect CODE` from the other "
                "messenger, then confirm where you asked for it.",
            ),
        ),
        CommandSpec(
            "connect_answer",
            "Confirm or refuse connecting an account",
            cmd_connect_answer,
            args=(
                Arg("request", ArgKind.INT, "the request's number", low=1, high=2**62),
                Arg("answer", ArgKind.CHOICE, "yes or no", choices=("yes", "no")),
            ),
            group="Accounts",
            hidden=True,  # the confirmation's buttons
        ),
        CommandSpec(
            "connections",
            "Your messenger accounts and where reminders go",
            cmd_connections,
            group="Accounts",
            reads_only=True,
        ),
        CommandSpec(
            "disconnect",
            "Disconnect one of your messengers (never the last)",
            cmd_disconnect,
            args=(Arg("messenger", ArgKind.WORD, "which messenger, as `connections` names it"),),
            group="Accounts",
            examples=("disconnect console",),
        ),
    ]
