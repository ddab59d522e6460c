"""The dashboard's use cases, as the web adapter calls them.

Signing in: a link from `dashboard <program>` (core/commands/dashboard.py) is checked like
a `connect` code — every live link's hash compared in constant time — used once, and
turned into a session bound to that person and program. Every request reads its session
again and checks the person still coordinates the program.

Reading: a program is read whole (core.dashboard.views) and kept a short while, so paging
and sorting a 10,000-pair list costs no new read; any change made here drops it.

Changing: swap, lock, publish, configure and export run as the chat commands they are,
through the hub, as the account that asked for the link — so the same checks apply and
the partners get the same intros through the outbox. Each is written to the audit log.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from core.clock import Clock
from core.commands.matching import REASON_WORDS
from core.commands.programs import SETTINGS
from core.dashboard.records import (
    SESSION_VALID,
    AuditEntry,
    WebSession,
    WebSignin,
    new_secret,
    secret_hash,
)
from core.dashboard.views import Snapshot, take_snapshot
from core.hub import Hub
from core.i18n import ENGLISH, N_, _, said
from core.identity import UserRef
from core.messages import Attachment, Outcome, Reply
from core.model import DraftRow, Program, Role
from core.ports import ReadFactory, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

FRESH_SECONDS = 30.0  # a program read this recently is shown again without a new read
LINK_WATCH_SECONDS = 1.0  # how often new sign-in links are looked for (to read ahead)
KEPT_SECONDS = 600.0  # an older read is shown while a new one runs; older still: waited for


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is signed in, for which program, and the token their forms must carry."""

    session_id: int
    person_id: int
    name: str
    program: Program
    ref: UserRef  # the account that asked for the link: changes run as it
    csrf_token: str
    language: str = ENGLISH  # what they read, as chat speaks to them (core.i18n.Speaker)
    zone: str = "UTC"  # their clock


@dataclass(frozen=True, slots=True)
class LinkCheck:
    """What opening a sign-in link found: the program it opens, or why it doesn't work."""

    program_name: str = ""
    refused: str = ""  # why not, a message for the person


@dataclass(frozen=True, slots=True)
class SignedIn:
    session_token: str  # for the cookie; only its hash is stored
    slug: str


@dataclass(frozen=True, slots=True)
class DraftLine:
    mentee: str  # name
    mentee_handle: str
    mentor: str
    mentor_handle: str
    score: float
    locked: bool
    reasons: tuple[str, ...]
    waiting_because: str


@dataclass(frozen=True, slots=True)
class DraftView:
    number: int
    stable: bool
    created_at: datetime
    pairs: list[DraftLine]  # weakest first, as `match … show`
    waiting: list[DraftLine]
    free_mentors: list[tuple[str, str, int]]  # (name, handle, free places)


@dataclass(frozen=True, slots=True)
class SettingView:
    name: str
    value: str
    help: str  # its `help configure` line, a message marked in core.commands.programs


@dataclass(frozen=True, slots=True)
class ActionResult:
    replies: list[Reply]

    @property
    def ok(self) -> bool:
        return not any(reply.is_error for reply in self.replies)

    @property
    def attachment(self) -> Attachment | None:
        return next((r.attachment for r in self.replies if r.attachment is not None), None)


LINK_REFUSED = {
    "used": N_("This sign-in link was used already. Each link works once."),
    "expired": N_("This sign-in link has expired: links work for 10 minutes."),
    "unknown": N_("This sign-in link doesn't work."),
    "not_coordinator": N_("You no longer coordinate this program."),
}


def _refused(why: str) -> LinkCheck:
    return LinkCheck(refused=said(LINK_REFUSED[why]))


class Dashboard:
    def __init__(
        self,
        hub: Hub,
        *,
        writes: UnitOfWorkFactory,
        reads: ReadFactory,
        clock: Clock,
        fresh_seconds: float = FRESH_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hub = hub
        self._writes = writes
        self._reads = reads
        self.clock = clock
        self._fresh = fresh_seconds
        self._monotonic = monotonic
        self._snapshots: dict[int, tuple[float, Snapshot]] = {}
        self._reading: dict[int, asyncio.Lock] = {}
        self._refreshing: dict[int, asyncio.Task[Snapshot]] = {}
        self._changed: dict[int, float] = {}  # when a change was last made, by program

    # --- signing in and out ----------------------------------------------------------------

    async def check_link(self, token: str) -> LinkCheck:
        """Whether a link would sign in, without using it (link previews open links too)."""
        async with self._reads() as uow:
            found, why = await self._live_link(uow, token)
            if found is None:
                return _refused(why)
            program = await uow.programs.get(found.program_id)
        if program is None:
            return _refused("unknown")
        self.prefetch(program)  # ready by the time "Sign in" is pressed
        return LinkCheck(program_name=program.name)

    async def sign_in(self, token: str) -> SignedIn | LinkCheck:
        """Use the link: a new session for its person and program, or why not."""
        async with self._writes() as uow:
            now = self.clock.now()
            found, why = await self._live_link(uow, token)
            if found is None or found.id is None:
                log.info("dashboard: a sign-in link was refused (%s)", why)
                return _refused(why)
            if not await uow.web.use_signin(found.id, now):
                return _refused("used")
            program = await uow.programs.get(found.program_id)
            if program is None or not await _coordinates(uow, found.person_id, program):
                await uow.commit()  # the link is used up all the same
                return _refused("not_coordinator")
            session_token = new_secret()
            await uow.web.add_session(
                WebSession(
                    person_id=found.person_id,
                    account_id=found.account_id,
                    program_id=found.program_id,
                    session_hash=secret_hash(session_token),
                    csrf_token=new_secret(),
                    created_at=now,
                    expires_at=now + SESSION_VALID,
                )
            )
            await uow.web.drop_expired(now)
            await uow.web.audit(
                AuditEntry(found.person_id, found.program_id, "sign in", "", "ok", now)
            )
            await uow.commit()
        log.info("dashboard: person %d signed in to program %d", found.person_id, program.id)
        return SignedIn(session_token, program.slug)

    async def _live_link(self, uow: UnitOfWork, token: str) -> tuple[WebSignin | None, str]:
        given, now = secret_hash(token), self.clock.now()
        found = None
        for live in await uow.web.live_signins(now):  # every one compared, in constant time
            if hmac.compare_digest(live.token_hash, given):
                found = live
        if found is not None:
            return found, ""
        old = await uow.web.any_signin(given)
        if old is None:
            return None, "unknown"
        return None, "used" if old.used_at is not None else "expired"

    async def viewer(self, session_token: str) -> Viewer | None:
        """The signed-in coordinator behind a session cookie, while the session lasts and
        they still coordinate its program; else None."""
        if not session_token:
            return None
        async with self._reads() as uow:
            session = await uow.web.live_session(secret_hash(session_token), self.clock.now())
            if session is None or session.id is None:
                return None
            program = await uow.programs.get(session.program_id)
            person = await uow.people.get(session.person_id)
            account = await uow.accounts.get(session.account_id)
            if program is None or person is None or account is None:
                return None
            if account.person_id != person.id or not await _coordinates(uow, person.id, program):
                return None
            reader = (await uow.people.readers([person.id])).get(person.id)
            ref = UserRef(account.platform, account.workspace, account.user_id)
            return Viewer(
                session.id,
                session.person_id,
                person.name,
                program,
                ref,
                session.csrf_token,
                reader.language if reader else ENGLISH,
                reader.zone if reader else "UTC",
            )

    def csrf_ok(self, viewer: Viewer, given: str) -> bool:
        return bool(given) and hmac.compare_digest(viewer.csrf_token, given)

    async def sign_out(self, viewer: Viewer) -> None:
        async with self._writes() as uow:
            await uow.web.drop_session(viewer.session_id)
            await self._audit(uow, viewer, "sign out", "", ok=True)
            await uow.commit()
        log.info("dashboard: person %d signed out", viewer.person_id)

    # --- reading ---------------------------------------------------------------------------

    async def snapshot(self, viewer: Viewer) -> Snapshot:
        """The program read whole: a read of the last ``fresh_seconds`` as it is; an older
        one (up to ``KEPT_SECONDS``) at once while a new read runs behind it; else a new
        read, waited for. A change made here drops what was read before it."""
        program = viewer.program
        kept = self._usable(program.id or 0)
        if kept is not None:
            age = self._monotonic() - kept[0]
            if age < self._fresh:
                return kept[1]
            if age < KEPT_SECONDS:
                self.prefetch(program)
                return kept[1]
        return await self._read(program)

    def prefetch(self, program: Program) -> None:
        """Start reading ``program`` in the background: when a sign-in link is opened (so
        the first page after signing in is ready), after a change, when a read grows old."""
        program_id = program.id or 0
        running = self._refreshing.get(program_id)
        if running is not None and not running.done():
            return
        task = asyncio.create_task(self._read(program), name=f"dashboard read {program_id}")
        task.add_done_callback(_log_failure)
        self._refreshing[program_id] = task

    async def _read(self, program: Program) -> Snapshot:
        program_id = program.id or 0
        lock = self._reading.setdefault(program_id, asyncio.Lock())
        async with lock:  # many tabs at once, or a prefetch under way: one read
            kept = self._usable(program_id)
            if kept is not None and self._monotonic() - kept[0] < self._fresh:
                return kept[1]  # read while this one waited
            started = self._monotonic()
            async with self._reads() as uow:
                snapshot = await take_snapshot(uow, self.clock.now(), program)
            self._snapshots[program_id] = (started, snapshot)
            return snapshot

    async def watch_links(self, every: float = LINK_WATCH_SECONDS) -> None:
        """Until cancelled: read ahead each program a sign-in link was just asked for in
        chat, so the read is ready by the time the link is opened and "Sign in" pressed
        (reading a program of 10,000 pairs takes a second or more)."""
        seen: set[int] = set()
        while True:
            try:
                seen = await self.read_ahead(seen)
            except Exception:  # the next look tries again; pages read for themselves
                log.exception("dashboard: looking for new sign-in links failed")
            await asyncio.sleep(every)

    async def read_ahead(self, seen: set[int]) -> set[int]:
        """One look: start reading the programs of live links not in ``seen`` (and not
        read lately); returns the live links' ids."""
        async with self._reads() as uow:
            live = await uow.web.live_signins(self.clock.now())
            new = {link.program_id for link in live if link.id not in seen}
            programs = [await uow.programs.get(program_id) for program_id in new]
        for program in programs:
            if program is not None and self._usable(program.id or 0) is None:
                self.prefetch(program)
        return {link.id for link in live if link.id is not None}

    async def settled(self) -> None:
        """Until the reads under way have finished (tests)."""
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)

    def _usable(self, program_id: int) -> tuple[float, Snapshot] | None:
        """The kept read, unless a change was made after it started."""
        kept = self._snapshots.get(program_id)
        if kept is None or kept[0] < self._changed.get(program_id, float("-inf")):
            return None
        return kept

    def forget(self, program_id: int) -> None:
        """Something changed: what was read before now is not shown again."""
        self._changed[program_id] = self._monotonic()
        self._snapshots.pop(program_id, None)

    async def close(self) -> None:
        """Cancel background reads (the server is stopping)."""
        tasks = [task for task in self._refreshing.values() if not task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._refreshing.clear()

    async def draft(self, viewer: Viewer) -> DraftView | None:
        """The program's open match draft, weakest pairs first, or None."""
        program_id = viewer.program.id
        assert program_id is not None
        async with self._reads() as uow:
            draft = await uow.drafts.latest(program_id)
            if draft is None or draft.status != "draft" or draft.id is None:
                return None
            rows = await uow.drafts.rows(draft.id)
            _unused, _also, room = await uow.views.free_places(program_id, self.clock.now(), 200)
            people = {r.mentee_id for r in rows} | {r.mentor_id for r in rows if r.mentor_id}
            names = await uow.views.names(people)
            handles = await uow.views.handles_of(people)
        used: dict[int, int] = {}
        for row in rows:
            if row.mentor_id is not None:
                used[row.mentor_id] = used.get(row.mentor_id, 0) + 1

        def line(r: DraftRow) -> DraftLine:
            mentor = r.mentor_id or 0
            return DraftLine(
                names.get(r.mentee_id, "?"),
                handles.get(r.mentee_id, ""),
                names.get(mentor, ""),
                handles.get(mentor, ""),
                r.score,
                r.locked,
                r.reasons,
                said(REASON_WORDS[r.reason_code])
                if r.mentor_id is None and r.reason_code in REASON_WORDS
                else "",
            )

        pairs = sorted((r for r in rows if r.mentor_id), key=lambda r: (r.score, r.mentee_id))
        free = [
            (seat.person.name, seat.person.handle, left)
            for seat in room
            if (
                left := seat.enrollment.capacity
                - seat.open_pairs
                - used.get(seat.person.id or 0, 0)
            )
            > 0
        ]
        return DraftView(
            draft.number,
            draft.stable,
            draft.created_at,
            [line(r) for r in pairs],
            [line(r) for r in rows if r.mentor_id is None],
            free,
        )

    def settings(self, viewer: Viewer) -> list[SettingView]:
        """The program's settings as `configure` names them, with their current values."""
        return [
            SettingView(
                s.name,
                _shown(getattr(viewer.program, s.attribute), UNSET.get(s.name, "")),
                s.detail,  # its `help configure` line (a message): the page shows what to type
            )
            for s in SETTINGS
        ]

    async def recent_actions(self, viewer: Viewer, limit: int = 20) -> list[tuple[AuditEntry, str]]:
        """The program's latest dashboard actions with who took them (newest first)."""
        async with self._reads() as uow:
            entries = await uow.web.recent_audit(viewer.program.id or 0, limit)
            names = await uow.views.names({e.person_id for e in entries if e.person_id})
        return [(e, names.get(e.person_id or 0, _("someone deleted"))) for e in entries]

    # --- changing --------------------------------------------------------------------------

    async def run(self, viewer: Viewer, action: str, verb: str, args: str) -> ActionResult:
        """Run the chat command ``verb args`` for the viewer, and write down who did it."""
        outcome: Outcome = await self.hub.command(viewer.ref, verb, args)
        result = ActionResult([reply.localized() for reply in outcome.replies])  # as renderers do
        async with self._writes() as uow:
            await self._audit(uow, viewer, action, f"{verb} {args}"[:300], ok=result.ok)
            await uow.commit()
        log.info(
            "dashboard: person %d in program %d: %s (%s)",
            viewer.person_id, viewer.program.id, action, "ok" if result.ok else "refused",
        )  # fmt: skip
        if action != "export":
            self.forget(viewer.program.id or 0)
            self.prefetch(viewer.program)  # read again now, for the next page
        return result

    async def _audit(
        self, uow: UnitOfWork, viewer: Viewer, action: str, detail: str, *, ok: bool
    ) -> None:
        entry = AuditEntry(
            viewer.person_id,
            viewer.program.id or 0,
            action,
            detail,
            "ok" if ok else "refused",
            self.clock.now(),
        )
        await uow.web.audit(entry)


def _log_failure(task: asyncio.Task[Snapshot]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("dashboard: reading a program failed", exc_info=task.exception())


async def _coordinates(uow: UnitOfWork, person_id: int | None, program: Program) -> bool:
    assert program.id is not None
    if person_id is None:
        return False
    found = await uow.enrollments.find(program.id, person_id, Role.COORDINATOR)
    return found is not None and found.active


# What `configure` takes for "not set", where that isn't just leaving the field empty.
UNSET = {
    "starts": "none",
    "ends": "none",
    "language": "none",
    "bot_language": "none",
    "channel": "none",
    "weights": "default",
}


def _shown(value: object, unset: str) -> str:
    """A setting's value as `configure` would take it back."""
    if value is None or value == "":
        return unset
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return " | ".join(str(v) for v in value)
    if hasattr(value, "value"):
        return str(value.value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
