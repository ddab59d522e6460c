"""The one door into the core. Each inbound event runs in its own unit of work.

Adapters translate a platform payload into one :data:`core.inbound.Inbound` value — a
command (``verb`` plus argument text), a free-text message, a button press (an action
id), a submitted form, a change of reachability — hand it to :meth:`Hub.handle` and
render the returned :class:`Outcome`. Notices for other people are written to the outbox
in the same transaction, so they are sent exactly when the change they describe is
committed. Posts in a program's shared space (announcements only) go out through
``spaces`` right after the commit.

What else an adapter may ask of the core is a method here with a typed result:
completions while someone types, whether someone coordinates a program, the program a
group or channel belongs to, where to ask someone with closed DMs to open them, the
direct channels a messenger opened (``direct_channels``). Adapters never see a unit of
work.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, Protocol, TypeVar, cast

from core import lookup, reachability
from core.clock import Clock
from core.context import Context, language_of
from core.correlation import event_correlated
from core.delivery.contract import SpaceRefused
from core.dialogs import DialogEngine, FormField, FormResult, as_outcome, said_title
from core.direct_channels import DirectChannelStore
from core.errors import MentorhubError, NotAllowed, NotRegistered
from core.i18n import ENGLISH, _, supported, translate
from core.identity import Person, Platform, PlatformAccount, UserRef
from core.inbound import (
    AccountGone,
    Command,
    FormSubmit,
    Inbound,
    Message,
    Press,
    ReachabilityChange,
    WorkspaceRemoved,
    WorkspaceRestored,
)
from core.memory import LruCache
from core.messages import Action, Notice, Outcome, Reply, SpacePost, notice_payload
from core.metrics import NO_METRICS, Metrics
from core.model import Program
from core.ports import DialogState, OutboxMessage, ReadFactory, UnitOfWorkFactory
from core.registry import Access, CommandSpec, ForCoordinators, Registry
from core.settings import CoreSettings

log = logging.getLogger(__name__)

REACHABLE_RECHECK = 3600.0  # how often an active account is marked reachable again

ProgramGuard = Callable[[Context, CommandSpec, dict[str, Any]], Awaitable[Program]]
"""Finds the program a coordinator command names and checks the actor coordinates it."""
T = TypeVar("T")


class SpacePosting(Protocol):
    async def post_to_space(self, post: SpacePost) -> bool:
        """Post in a shared space: True when posted, False when that platform can't post
        in spaces; raises when it could but failed (see core.delivery.post_to_space)."""
        ...


APOLOGY = _("Sorry, something went wrong on our side. Nothing was changed; please try again.")


class Hub:
    def __init__(
        self,
        *,
        registry: Registry,
        dialogs: DialogEngine,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        settings: CoreSettings,
        spaces: SpacePosting | None = None,
        coordinator_guard: ProgramGuard | None = None,
        read_factory: ReadFactory | None = None,
        long_reads: asyncio.Semaphore | None = None,
    ) -> None:
        self.registry = registry
        self.dialogs = dialogs
        self.clock = clock
        self.settings = settings
        self._uow_factory = uow_factory
        self._read_factory = read_factory or uow_factory
        self._long_reads = long_reads or asyncio.Semaphore(1)
        self._spaces = spaces
        self._coordinator_guard = coordinator_guard
        self.direct_channels = DirectChannelStore(uow_factory, self._read_factory)
        self.metrics: Metrics = NO_METRICS  # the composition root sets the exporter
        # Accounts lately seen writing to us where we message them: see note_reachable
        self._reachable_noted: LruCache[tuple[str, str, str], bool] = LruCache(
            50_000, ttl=REACHABLE_RECHECK
        )

    async def note_reachable(self, ref: UserRef) -> None:
        """Someone who writes to us where we message them (a private chat, a DM) can be
        messaged there: undo an earlier "unreachable" (blocked, DMs closed, app removed),
        so what they missed is sent. Asked once per account an hour, and again after a
        send to it failed (:meth:`forget_reachable`)."""
        key = (ref.platform.value, ref.workspace, ref.user_id)
        if self._reachable_noted.get(key):
            return
        try:
            await self.handle(ReachabilityChange(ref, reachable=True))
        except Exception:  # their message is still answered; the next one tries again
            log.exception("could not mark %s account %s reachable", ref.platform, ref.user_id)
            return
        self._reachable_noted.put(key, True)

    def forget_reachable(self, platform: Platform, workspace: str, user_id: str = "") -> None:
        """A send to this account failed (or, without ``user_id``, the workspace removed
        the app): the next message from it is noted again."""
        if user_id:
            self._reachable_noted.pop((platform.value, workspace, user_id))
        else:
            self._reachable_noted.drop(lambda key: key[:2] == (platform.value, workspace))

    def reachable_noted(self, ref: UserRef) -> bool:
        """Whether :meth:`note_reachable` has marked this account lately."""
        return bool(self._reachable_noted.get((ref.platform.value, ref.workspace, ref.user_id)))

    async def handle(self, inbound: Inbound) -> Outcome:
        """Carry out one inbound event. A submitted form with fields to fix saves nothing
        and answers with ``Outcome.field_errors``."""
        with event_correlated():
            return await self._handle(inbound)

    async def _handle(self, inbound: Inbound) -> Outcome:
        match inbound:
            case Command(ref=ref, verb=verb, text=text):
                return await self.command(ref, verb, text)
            case Message(ref=ref, text=text):
                return await self.message(ref, text)
            case Press(ref=ref, action_id=action_id):
                return await self.action(ref, action_id)
            case FormSubmit(ref=ref, dialog_id=dialog_id, values=values):
                result = await self.submit_form(ref, dialog_id, dict(values))
                if result.errors:
                    return Outcome(field_errors=dict(result.errors))
                return result.outcome or Outcome()
            case ReachabilityChange(ref=ref, reachable=reachable):
                await reachability.set_reachable(
                    self._uow_factory, ref, reachable, now=self.clock.now()
                )
                return Outcome()
            case AccountGone(ref=ref):
                await reachability.account_gone(self._uow_factory, ref, now=self.clock.now())
                return Outcome()
            case WorkspaceRemoved(platform=platform, workspace=workspace):
                await reachability.set_workspace_reachable(
                    self._uow_factory, platform, workspace, False, at=self.clock.now()
                )
                return Outcome()
            case WorkspaceRestored(platform=platform, workspace=workspace):
                await reachability.set_workspace_reachable(
                    self._uow_factory, platform, workspace, True
                )
                return Outcome()

    # --- what adapters may ask besides -------------------------------------------------------

    async def complete_programs(self, typed: str) -> list[str]:
        """Program short names for autocompletion (starting with ``typed`` first)."""
        return await lookup.program_slugs(self._read_factory, typed)

    async def complete_handles(self, ref: UserRef, typed: str) -> list[str]:
        """Handles of people who share a program with ``ref``, for autocompletion."""
        return await lookup.handles(self._read_factory, ref, typed)

    async def coordinates_any(self, ref: UserRef) -> bool:
        """Whether ``ref`` coordinates some program (for commands said in a group)."""
        return await lookup.coordinates_any(self._read_factory, ref)

    async def program_living_in(self, space: str) -> Program | None:
        """The program whose shared space (``"<platform>:<id>"``) this is, if exactly one."""
        return await lookup.program_living_in(self._read_factory, space)

    async def fallback_channels(self, person_id: int, platform: Platform) -> list[str]:
        """Where to ask someone we can't message directly to open their DMs."""
        return await reachability.fallback_channels(self._read_factory, person_id, platform)

    async def command(self, ref: UserRef, verb: str, text: str = "") -> Outcome:
        """Run ``verb`` with its argument text as the person behind ``ref``."""
        spec = self.registry.get(_verb(verb))
        started = time.perf_counter()
        with event_correlated():
            outcome = await self._run(
                ref, lambda ctx: self._command(ctx, verb, text), _kept,
                reads=self._reading(spec, text),
            )  # fmt: skip
        self._count(spec, outcome, started)
        return outcome

    def _count(self, spec: CommandSpec | None, outcome: Outcome, started: float) -> None:
        """A command handled, for the metrics: its registered verb, how it ended."""
        if any(reply.text == translate(APOLOGY, reply.language) for reply in outcome.replies):
            how = "error"
        elif any(reply.is_error for reply in outcome.replies):
            how = "refused"
        else:
            how = "ok"
        verb = spec.name if spec is not None else "unknown"
        self.metrics.command_handled(verb, how, time.perf_counter() - started)

    async def message(self, ref: UserRef, text: str) -> Outcome:
        """Free text: an answer to the open dialog step, else a command typed without '/'."""
        verb, __, rest = text.strip().partition(" ")
        typed = self.registry.get(_verb(verb))
        started = time.perf_counter()
        with event_correlated():
            outcome = await self._text(ref, text, self._reading(typed, rest))
        if typed is not None:  # a command typed as text (else an answer, or chat)
            self._count(typed, outcome, started)
        return outcome

    async def _text(self, ref: UserRef, text: str, reading: _Reading | None) -> Outcome:
        if reading is not None:
            try:  # a read-only command typed as text, unless a dialog step takes the text
                return await self._run(
                    ref, lambda ctx: _replied(self._message(ctx, text, reading=True)), _kept,
                    reads=reading,
                )  # fmt: skip
            except _AnswerToDialog:
                pass
        return await self._run(ref, lambda ctx: _replied(self._message(ctx, text)), _kept)

    async def action(self, ref: UserRef, action_id: str) -> Outcome:
        """A button press. Works for buttons of any age: stale ones answer politely."""
        with event_correlated():
            return await self._run(ref, lambda ctx: _replied(self._action(ctx, action_id)), _kept)

    async def form(self, ref: UserRef, dialog_id: str) -> tuple[str, list[FormField]] | Outcome:
        """The fields of an open form-capable dialog, or an Outcome explaining why not."""

        async def fields(ctx: Context) -> tuple[str, list[FormField]]:
            title, found = await self.dialogs.form(ctx, dialog_id)
            return _form_in(title, found, ctx.language)

        return await self._run(ref, fields, lambda _unused: Outcome())

    async def submit_form(self, ref: UserRef, dialog_id: str, values: dict[str, str]) -> FormResult:
        """Submit a whole form: errors per field (nothing saved), or the flow's outcome."""

        async def submitted(ctx: Context) -> FormResult:
            result = await self.dialogs.submit(ctx, dialog_id, values)
            if not result.errors:
                return result
            return FormResult(
                errors={k: translate(v, ctx.language) for k, v in result.errors.items()}
            )

        with event_correlated():
            result = await self._run(
                ref, submitted, lambda done: None if done.errors else done.outcome
            )
        return result if isinstance(result, FormResult) else FormResult(outcome=result)

    async def _run(
        self,
        ref: UserRef,
        work: Callable[[Context], Awaitable[T]],
        kept: Callable[[T], Outcome | None],
        *,
        reads: _Reading | None = None,
    ) -> T | Outcome:
        """Run ``work`` as the person behind ``ref`` in one unit of work; return its result.

        ``kept`` names the Outcome the result brings about: its notices are written to the
        outbox and everything is committed together, then its space posts go out. None
        keeps nothing (a form with field errors): the unit of work rolls back. An error
        becomes an Outcome telling the person, and nothing is saved either. ``reads``: the
        work only reads (a command marked ``reads_only``); it runs in a read-only unit of
        work, beside the writers rather than queued behind them, and a read of a whole
        program waits for the other long reads to finish first.
        """
        zone: str | None = None  # the actor's, once known: errors read on their clock too
        language = supported(ref.locale) or ENGLISH  # theirs once known (core.i18n)
        stale = False  # a new @name, or an account gone that speaks again: seen in a read
        try:
            lane: Any = self._long_reads if reads is _Reading.WHOLE_PROGRAM else _NO_LANE
            async with lane, (self._read_factory if reads else self._uow_factory)() as uow:
                ctx = Context(
                    uow=uow, clock=self.clock, settings=self.settings, dialogs=self.dialogs, ref=ref
                )
                ctx.account = await uow.accounts.find(ref.platform, ref.workspace, ref.user_id)
                if ctx.account is not None:
                    stale = _refreshed(ctx.account, ref)
                    if stale and not reads:
                        await uow.accounts.save(ctx.account)
                        stale = False
                    ctx.person = await uow.people.get(ctx.account.person_id)
                    zone = ctx.person.timezone if ctx.person is not None else None
                if ctx.person is not None:
                    if _heard_language(ctx.person, ref):
                        if reads:
                            stale = True
                        else:
                            await uow.people.save(ctx.person)
                    language = await language_of(uow, ctx.person)
                ctx.language = language
                result = await work(ctx)
                language = ctx.language  # `language` changes it at once
                outcome = kept(result)
                if outcome is None:
                    return result  # leaving the unit of work uncommitted rolls it back
                # Notices are for the others: the actor learns what they did from the replies,
                # never from a third-person notice about themselves.
                if ctx.person is not None:
                    outcome.notices = [n for n in outcome.notices if _for_someone_else(n, ctx)]
                _read_in(outcome, zone, language)
                if reads and (outcome.notices or outcome.space_posts):
                    raise RuntimeError(f"the read-only command {ctx.verb!r} changed something")
                if outcome.notices:  # one statement for a publish's thousands as for one
                    now = ctx.now()
                    await uow.outbox.add_many(
                        [
                            OutboxMessage(
                                person_id=notice.person_id,
                                key=notice.key,
                                kind=notice.kind,
                                payload=notice_payload(notice),
                                created_at=now,
                                next_attempt_at=now,
                            )
                            for notice in outcome.notices
                        ]
                    )
                if not reads:
                    await uow.commit()
        except _AnswerToDialog:
            raise
        except MentorhubError as error:
            told = Reply(error.user_text(), is_error=True, choices=error.choices)
            return Outcome(replies=[told.read_in(zone, language)])
        except Exception:
            log.exception("command failed for %s:%s", ref.platform, ref.user_id)
            return Outcome(replies=[Reply(APOLOGY, is_error=True).read_in(zone, language)])
        if stale:
            await self._refresh_account(ref)
        for post in outcome.space_posts:
            outcome.replies.extend(await self._post_in_space(post))
        if outcome.space_posts:
            _read_in(outcome, zone, language)
        if outcome.then is not None:  # (a button or a dialog runs it from a write, too)
            return cast(T, await self._then(ref, outcome))
        return result

    async def _refresh_account(self, ref: UserRef) -> None:
        """Write what a read saw (see :func:`_refreshed`), in a unit of work of its own."""
        async with self._uow_factory() as uow:
            account = await uow.accounts.find(ref.platform, ref.workspace, ref.user_id)
            if account is None:
                return
            if _refreshed(account, ref):
                await uow.accounts.save(account)
            person = await uow.people.get(account.person_id)
            if person is not None and _heard_language(person, ref):
                await uow.people.save(person)
            await uow.commit()

    async def _then(self, ref: UserRef, read: Outcome) -> Outcome:
        """The write a command asked for (:attr:`Outcome.then`), after its own unit of work."""
        write, read.then = read.then, None
        assert write is not None
        written = await self._run(ref, write, _kept)
        written.replies[:0] = read.replies
        return written

    async def _post_in_space(self, post: SpacePost) -> list[Reply]:
        """After the commit, so nothing is posted for a change that was rolled back. Best
        effort: the people concerned have their own copy in the outbox; the actor is told
        when the space didn't get one."""
        place = self.settings.place_name(post.space.partition(":")[0])
        try:
            posted = self._spaces is not None and await self._spaces.post_to_space(post)
        except SpaceRefused as refused:
            log.warning("posting in %s was refused: %s", post.space[:64], refused)
            if place == "channel":
                text = _(
                    "I couldn't post that in the linked channel. {advice}", advice=refused.advice
                )
            else:
                text = _(
                    "I couldn't post that in the linked group. {advice}", advice=refused.advice
                )
            return [Reply(text, is_error=True)]
        except Exception as error:
            log.warning("posting in %s failed: %s", post.space[:64], error)
            if place == "channel":
                text = _("I couldn't post that in the linked channel just now.")
            else:
                text = _("I couldn't post that in the linked group just now.")
            return [Reply(text, is_error=True)]
        if posted:
            return [Reply(post.confirmation)] if post.confirmation else []
        if place == "channel":
            return [Reply(_("(I can't post in a channel on this messenger, so I didn't.)"))]
        return [Reply(_("(I can't post in a group on this messenger, so I didn't.)"))]

    async def _command(self, ctx: Context, verb: str, text: str) -> Outcome:
        verb = _verb(verb)
        spec = self.registry.get(verb)
        if spec is None:
            return Outcome(self._unknown(verb))
        if spec.access is not Access.ANYONE and ctx.person is None:
            raise NotRegistered()
        args = spec.parse(text)
        ctx.verb = spec.name
        before = await ctx.uow.dialogs.active(ctx.actor)
        if isinstance(spec.handler, ForCoordinators):
            if self._coordinator_guard is None:
                raise NotAllowed(_("Only a program's coordinators can do that."))
            program = await self._coordinator_guard(ctx, spec, args)
            outcome = await spec.handler.handler(ctx, args, program)
        else:
            outcome = await spec.handler(ctx, args)
        await self._remind_open_dialog(ctx, spec, outcome, before)
        return outcome

    async def _remind_open_dialog(
        self, ctx: Context, spec: CommandSpec, outcome: Outcome, before: DialogState | None
    ) -> None:
        """A command run mid-flow leaves the flow open; say so, so the next text isn't lost.
        Not when the command itself started or moved the flow: its prompt is in the replies."""
        if spec.name in {"cancel", "help", "start"} or before is None:
            return
        state = await ctx.uow.dialogs.active(ctx.actor)
        if state is None or (state.id, state.seq) != (before.id, before.seq):
            return
        if any(reply.expects_text for reply in outcome.replies):
            return
        title = said_title(self.dialogs.title_of(state))
        outcome.replies.append(
            Reply(
                _(
                    "(Your {dialog} is still open: answer its last question, or send `cancel`.)",
                    dialog=title,
                )
            )
        )

    def _unknown(self, verb: str) -> list[Reply]:
        """A suggestion, not the whole help: a typo deserves one line."""
        suggestions = self.registry.suggest(verb)
        typed = verb[:32]
        if suggestions:
            text = _(
                "I don't know the command '{typed}'. Did you mean `{suggestion}`? "
                "Send `help` to see what you can do.",
                typed=typed,
                suggestion=suggestions[0],
            )
        else:
            text = _(
                "I don't know the command '{typed}'. Send `help` to see what you can do.",
                typed=typed,
            )
        return [Reply(text, is_error=True)]

    async def _message(
        self, ctx: Context, text: str, *, reading: bool = False
    ) -> Outcome | list[Reply]:
        text = text.strip()
        state = await ctx.uow.dialogs.active(ctx.actor)
        if state is not None and not text.startswith("/"):
            typed_a_choice = await self.dialogs.matching_choice(ctx, state, text) is not None
            if typed_a_choice or not self._is_bare_command(text):
                if reading:
                    raise _AnswerToDialog()
                return await self.dialogs.answer(ctx, state, text)
        verb, __, rest = text.lstrip("/").partition(" ")
        if (
            text.startswith("/")
            or self.registry.get(verb) is not None
            or self.registry.suggest(verb)
        ):
            return await self._command(ctx, verb, rest)
        if ctx.person is None:
            return [Reply(_("Hello! Send `start` to register, or `help` to see what I can do."))]
        return [
            Reply(_("I'm not waiting for an answer right now. Send `help` to see what you can do."))
        ]

    @staticmethod
    def _reading(spec: CommandSpec | None, args: str) -> _Reading | None:
        if spec is None:
            return None
        if not (spec.reads_only or (spec.reads_when is not None and spec.reads_when(args))):
            return None
        return _Reading.WHOLE_PROGRAM if spec.whole_program else _Reading.SHORT

    def _is_bare_command(self, text: str) -> bool:
        """A lone command word mid-dialog ("help", "pairs") runs the command, unless it is
        one of the step's choices."""
        return " " not in text and self.registry.get(text.lower()) is not None

    async def _action(self, ctx: Context, action_id: str) -> Outcome | list[Reply]:
        try:
            action = Action.decode(action_id)
        except ValueError:
            return [Reply(_("That button doesn't work any more. Send `help` to carry on."))]
        if action.kind == "d" and len(action.args) == 3:
            return await self.dialogs.press(ctx, *action.args)
        if action.kind in ("c", "a") and action.args:
            verb, *args = action.args
            return await self._command(ctx, verb, " ".join(_quote(a) for a in args))
        return [Reply(_("That button doesn't work any more. Send `help` to carry on."))]


_NO_LANE = contextlib.nullcontext()


class _Reading(Enum):
    SHORT = "short"
    WHOLE_PROGRAM = "whole program"


class _AnswerToDialog(Exception):
    """Text that looked like a read-only command answers an open dialog step: it needs a
    unit of work that may write."""


def _verb(typed: str) -> str:
    return typed.strip().lstrip("/").lower()


def _form_in(title: str, fields: list[FormField], language: str) -> tuple[str, list[FormField]]:
    """A form as its reader sees it: title, labels, hints and choices in their language."""

    def say(text: str) -> str:
        return translate(text, language)

    shown = [
        dataclasses.replace(
            field,
            label=say(field.label),
            hint=say(field.hint),
            choices=tuple((say(label), value) for label, value in field.choices),
        )
        for field in fields
    ]
    return say(said_title(title)), shown


def _read_in(outcome: Outcome, zone: str | None, language: str) -> None:
    """The actor reads these replies: in their language, moments on their clock."""
    outcome.replies[:] = [reply.read_in(zone, language) for reply in outcome.replies]


def _heard_language(person: Person, ref: UserRef) -> bool:
    """Note the language their messenger says their app is in; True if it changed."""
    heard = supported(ref.locale)
    if heard is None or heard == person.platform_language:
        return False
    person.platform_language = heard
    return True


def _kept(outcome: Outcome) -> Outcome:
    return outcome


async def _replied(result: Awaitable[Outcome | list[Reply]]) -> Outcome:
    return as_outcome(await result)


def _quote(value: str) -> str:
    return f'"{value}"' if not value or any(ch.isspace() for ch in value) else value


def _for_someone_else(notice: Notice, ctx: Context) -> bool:
    """Whether a notice goes to someone other than the actor: another person, or another
    of the actor's accounts it names."""
    assert ctx.person is not None
    if notice.account_id is not None and ctx.account is not None:
        return notice.account_id != ctx.account.id
    return notice.person_id != ctx.person.id


def _refreshed(account: PlatformAccount, ref: UserRef) -> bool:
    """Bring ``account`` up to date with what its messenger says now; True if it changed.
    A new @name is shown as it is now; an account marked gone that speaks to us exists
    after all (reactivated, back in the server)."""
    changed = False
    if ref.username and account.display_name != ref.label:
        account.display_name, changed = ref.label, True
    if account.gone_at is not None:
        account.gone_at, account.reachable, changed = None, True, True
    return changed
