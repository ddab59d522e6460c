"""The ports core needs from storage. ``storage/`` implements them; tests use SQLite.

Each repository speaks core types only. A unit of work is one transaction: nothing is kept
unless ``commit()`` is called before it closes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, NamedTuple, Protocol, Self, TypeVar

from core.dashboard.records import WebAccess
from core.identity import LinkCode, Person, Platform, PlatformAccount
from core.model import (
    Agreement,
    Block,
    CheckIn,
    CheckInAnswer,
    DraftRow,
    Enrollment,
    Feedback,
    Goal,
    MatchDraft,
    Note,
    Pair,
    Program,
    Role,
)

T = TypeVar("T")


@dataclass(slots=True)
class DialogState:
    """A multi-step flow in progress. ``seq`` grows with every step, so a button from an
    earlier step (which carries the old seq) is recognised as stale."""

    actor: str  # "platform:workspace:user_id" — flows work before registration too
    flow: str
    step: int
    data: dict[str, Any]
    updated_at: datetime
    seq: int = 0
    id: int | None = None


@dataclass(slots=True)
class OutboxMessage:
    """One message to deliver to one person. ``key`` is unique per recipient: a second
    message with the same key is dropped, so retries and crashes never send twice.

    ``status``: pending → sending → sent, or back to pending (retry later), or failed /
    unreachable; ``uncertain`` means a worker died between the platform call and recording
    its result and the platform could not tell us — assumed sent (see core.delivery).
    ``locked_by``/``locked_until`` is a worker's lease; ``account_id`` the account it was
    (last) sent to; ``next_attempt_at`` of a row "sending" is when that attempt began.
    """

    person_id: int
    key: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
    locked_by: str | None = None
    locked_until: datetime | None = None
    account_id: int | None = None
    id: int | None = field(default=None)


class DueStatus:
    """Values of :attr:`DueItem.status`."""

    SCHEDULED = "scheduled"  # waiting for due_at
    CLAIMED = "claimed"  # a worker holds a lease on it
    DONE = "done"  # acted on (its notices are in the outbox)
    CANCELLED = "cancelled"  # withdrawn (pause, end, agreement changed); schedule() revives
    MISSED = "missed"  # not acted on: superseded by a later period, or stale
    FAILED = "failed"  # its handler kept failing; logged

    FINAL = frozenset({DONE, MISSED, FAILED})


@dataclass(slots=True)
class DueItem:
    """Something to act on for one person at one instant: the schedule of record.

    (Not frozen: a claim builds a thousand of these, and a frozen dataclass costs eight
    times as much to construct. Treat it as a value all the same.)

    ``(subject, kind, period, person_id)`` is unique. ``subject`` names what it is about
    ("pair:12", "request:40"), ``kind`` what to do ("checkin_open", "meeting_reminder"),
    ``period`` which occurrence (a check-in period number; 0 for one-offs). ``payload``
    is handed to the handler untouched.
    """

    subject: str
    kind: str
    period: int
    person_id: int
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    status: str = DueStatus.SCHEDULED
    attempts: int = 0
    locked_by: str | None = None
    locked_until: datetime | None = None
    id: int | None = None

    @property
    def key(self) -> str:
        """The idempotency key of what this item sends: ``subject:kind:period``."""
        return f"{self.subject}:{self.kind}:{self.period}"


@dataclass(frozen=True, slots=True)
class Reader:
    """How someone reads what the bot says: the clock and the language."""

    zone: str
    language: str


class People(Protocol):
    async def get(self, person_id: int) -> Person | None: ...
    async def by_handle(self, handle: str) -> Person | None: ...
    async def handle_taken(self, handle: str) -> bool: ...
    async def handles_in_programs(
        self, program_ids: Collection[int], prefix: str, limit: int
    ) -> list[str]:
        """Handles starting with ``prefix`` of people taking part (active enrolment) in any
        of these programs: distinct, alphabetical, at most ``limit``."""
        ...

    async def readers(self, person_ids: Collection[int]) -> dict[int, Reader]:
        """Each person's time zone and language (core.i18n.Speaker), in one read (those
        who exist)."""
        ...

    async def program_language(self, person_id: int) -> str:
        """The language of the first program they joined that has one ("": none)."""
        ...

    async def add(self, person: Person) -> Person: ...
    async def save(self, person: Person) -> None: ...

    # --- bulk import ---------------------------------------------------------------------

    async def by_handles(self, handles: Collection[str]) -> dict[str, Person]:
        """The people with these handles, by handle (those who exist)."""
        ...

    async def insert_many(self, people: Sequence[Person]) -> list[Person]:
        """Add many in a few statements; sets each one's id."""
        ...

    async def update_many(self, people: Sequence[Person]) -> None:
        """Save many (each has an id) in a few statements."""
        ...


class Accounts(Protocol):
    async def find(
        self, platform: Platform, workspace: str, user_id: str
    ) -> PlatformAccount | None: ...
    async def get(self, account_id: int) -> PlatformAccount | None: ...
    async def of_person(self, person_id: int) -> list[PlatformAccount]: ...

    async def of_people(self, person_ids: Collection[int]) -> dict[int, list[PlatformAccount]]:
        """Accounts of several people in one query (preferred first, as ``of_person``);
        a person without accounts maps to an empty list."""
        ...

    async def add(self, account: PlatformAccount) -> PlatformAccount: ...
    async def save(self, account: PlatformAccount) -> None: ...
    async def remove(self, account_id: int) -> None:
        """Delete one account (its direct channel and link codes go with it)."""
        ...

    async def set_workspace_reachable(
        self, platform: Platform, workspace: str, reachable: bool
    ) -> int:
        """Mark every account of one workspace; returns how many changed."""
        ...

    # --- bulk import ---------------------------------------------------------------------

    async def claimed(self, person_ids: Collection[int]) -> set[int]:
        """Those of these people who have at least one account."""
        ...


@dataclass(frozen=True, slots=True)
class DirectChannel:
    """What a messenger knows of its direct conversation with one account: the channel
    it opened (``channel_id``; "" when none is known) and when it last asked them, in a
    shared channel, to open their DMs (``asked_to_open_at``)."""

    user_id: str
    channel_id: str = ""
    asked_to_open_at: datetime | None = None


class DirectChannels(Protocol):
    """Each account's direct conversation, kept across restarts (see core.direct_channels).
    A row belongs to an account: deleting the account deletes it."""

    async def of_platform(self, platform: Platform) -> list[DirectChannel]: ...

    async def of_accounts(self, account_ids: Collection[int]) -> dict[int, DirectChannel]:
        """Those of these accounts that have one, by account id."""
        ...

    async def opened(
        self, platform: Platform, workspace: str, user_id: str, channel_id: str
    ) -> bool:
        """Record the account's direct channel; False (nothing kept) without an account."""
        ...

    async def closed(self, platform: Platform, workspace: str, user_id: str) -> None:
        """The platform no longer knows the account's direct channel."""
        ...

    async def asked_to_open(
        self, platform: Platform, workspace: str, user_id: str, at: datetime
    ) -> bool:
        """Record when the account was asked to open their DMs; False without an account."""
        ...


class Links(Protocol):
    """Linking accounts: one-time codes, counted tries, and merging two people into one."""

    async def add_code(self, code: LinkCode) -> LinkCode: ...
    async def save_code(self, code: LinkCode) -> None: ...
    async def get_code(self, code_id: int) -> LinkCode | None: ...

    async def live_codes(self, now: datetime) -> list[LinkCode]:
        """Codes not yet expired nor claimed (a handful: each lives ten minutes)."""
        ...

    async def drop_codes(self, person_id: int) -> None:
        """Delete the person's codes, used or not."""
        ...

    async def count(self, key: str, kind: str, *, since: datetime) -> int:
        """How many ``kind`` tries ``key`` made since ``since``."""
        ...

    async def record(self, key: str, kind: str, *, at: datetime) -> None:
        """Count one try (and drop tries older than a day)."""
        ...

    async def merge_people(self, keep: int, absorb: int) -> dict[str, int]:
        """Move everything of person ``absorb`` to ``keep`` (accounts, enrolments, pairs,
        agreements, answers, goals, notes, feedback, blocks, drafts, pending messages and
        due items), then delete ``absorb``. Core has ruled out conflicts first; copies
        that would be duplicates (a queued message or due item both have, a block between
        them) are dropped. Returns rows moved by table."""
        ...


class Dialogs(Protocol):
    async def active(self, actor: str) -> DialogState | None: ...
    async def save(self, state: DialogState) -> DialogState: ...
    async def delete(self, actor: str) -> None: ...

    async def expire(self, *, before: datetime) -> int:
        """Drop flows untouched since ``before``; returns how many."""
        ...


class Outbox(Protocol):
    """Messages to deliver. Workers claim rows with a lease, like due items."""

    async def add(self, message: OutboxMessage) -> bool:
        """Queue a message; returns False (and queues nothing) if its key was seen before."""
        ...

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        """Queue several messages at once; returns how many were new (keys seen before
        are dropped, as in ``add``)."""
        ...

    async def save(self, message: OutboxMessage) -> None: ...

    async def claim(
        self, *, now: datetime, limit: int, worker: str, lease: timedelta
    ) -> list[OutboxMessage]:
        """Lease up to ``limit`` pending rows whose time has come and whose lease (if any)
        has expired, oldest first. Concurrent workers never get the same row."""
        ...

    async def mark_sending(
        self, message_id: int, *, worker: str, account_id: int, now: datetime, lease: timedelta
    ) -> int | None:
        """Record that ``worker`` is about to call the platform for this row (status
        "sending", ``attempts`` + 1, ``next_attempt_at`` = ``now``, lease renewed). None
        if the lease was lost."""
        ...

    async def mark_sending_many(
        self, accounts: Mapping[int, int], *, worker: str, now: datetime, lease: timedelta
    ) -> dict[int, int]:
        """``mark_sending`` for several rows in one statement: ``accounts`` maps each row's
        id to the account it goes to. Returns the new ``attempts`` by id of the rows
        marked; a row whose lease was lost is absent."""
        ...

    async def release(
        self, message: OutboxMessage, *, worker: str, keep_lease: bool = False
    ) -> bool:
        """Write the row's outcome fields (status, attempts, next_attempt_at, sent_at,
        last_error, account_id) and drop the lease unless ``keep_lease``. False if the
        lease was lost."""
        ...

    async def release_many(self, messages: Sequence[OutboxMessage], *, worker: str) -> set[int]:
        """``release`` for several rows (distinct ids) at once, dropping their leases.
        Returns the ids of the rows written; a row whose lease was lost is left alone."""
        ...

    async def by_key(self, person_id: int, key: str) -> OutboxMessage | None: ...

    async def cover(self, message: OutboxMessage, *, worker: str, now: datetime) -> int | None:
        """Record that ``message.person_id`` got ``message.key`` through a delivery made
        for someone else (a post in a pair space): insert ``message`` (finished) when no
        row has its key yet, so a later copy is dropped; otherwise finish the waiting row
        unless another worker holds it. Returns the row's id, or None when nothing changed
        (already finished, or being sent elsewhere)."""
        ...

    async def stuck(
        self, *, now: datetime, limit: int, worker: str, lease: timedelta
    ) -> list[OutboxMessage]:
        """Lease rows left "sending" by a worker whose lease expired (it died between the
        platform call and recording the result)."""
        ...

    async def unreachable_since(self, person_id: int, since: datetime) -> int:
        """How many messages to this person ended unreachable since ``since``."""
        ...

    async def unreachable_of(self, person_id: int, *, since: datetime) -> list[OutboxMessage]:
        """This person's messages created since ``since`` that ended unreachable, oldest
        first."""
        ...

    async def purge(self, *, before: datetime) -> int:
        """Delete finished rows (sent, uncertain, failed, unreachable) created before."""
        ...


class DueItems(Protocol):
    """The due table: what to act on, for whom, when. Claimed with a lease."""

    async def schedule(self, items: Sequence[DueItem], *, now: datetime) -> None:
        """Insert or update by ``(subject, kind, period, person_id)``.

        A changed ``due_at`` or ``payload`` moves a scheduled item (and takes an in-flight
        one back from its worker, whose result is then discarded); a cancelled item is
        revived. Finished items (done, missed, failed) are left alone, so recomputing a
        whole schedule never resends a past period. Unchanged items are not written.
        """
        ...

    async def cancel(
        self,
        subject: str,
        kinds: Collection[str] | None = None,
        from_period: int | None = None,
        *,
        now: datetime,
        person_id: int | None = None,
    ) -> int:
        """Withdraw scheduled and in-flight items of ``subject`` (optionally only these
        kinds, periods ≥ ``from_period``, one recipient). Returns how many."""
        ...

    async def claim(
        self, *, now: datetime, limit: int, worker: str, lease: timedelta
    ) -> list[DueItem]:
        """Lease up to ``limit`` items due by ``now`` (and items whose lease expired).

        First coalesces catch-up: an overdue item with a later period of the same
        ``(subject, kind, person_id)`` also due is marked missed, never claimed. (Periods
        of one subject, kind and person are assumed to be at least an hour apart.)
        """
        ...

    async def hold(
        self, ids: Collection[int], *, now: datetime, worker: str, lease: timedelta
    ) -> list[int]:
        """Renew ``worker``'s lease on these items; returns the ids it still holds (on
        PostgreSQL their rows stay locked until the transaction ends)."""
        ...

    async def complete(
        self, ids: Collection[int], status: str, *, now: datetime, worker: str | None = None
    ) -> list[int]:
        """Finish claimed items with ``status`` (done, missed, failed, cancelled); with
        ``worker``, only those it still holds. Returns the ids finished."""
        ...

    async def defer(self, item_id: int, until: datetime, *, now: datetime, worker: str) -> bool:
        """Give a claimed item back, due again at ``until``."""
        ...

    async def for_subject(self, subject: str) -> list[DueItem]:
        """All items of ``subject``, any status, by period then kind."""
        ...

    async def find(self, subject: str, kind: str, period: int, person_id: int) -> DueItem | None:
        """The one item with this key, any status."""
        ...

    async def next_due_at(self, after: datetime | None = None) -> datetime | None:
        """The earliest due_at of a scheduled item (only those later than ``after``)."""
        ...

    async def purge(self, *, before: datetime) -> int:
        """Delete finished and cancelled items last updated before ``before``."""
        ...


class CheckInFact(NamedTuple):
    """One stored check-in of a pair, with how many answers it has and the latest one.
    (A tuple: a large program reads tens of thousands of these at once.)"""

    pair_id: int
    period: int
    status: str
    answers: int
    last_answer_at: datetime | None


@dataclass(frozen=True, slots=True)
class Seat:
    """A person enrolled in a program in one role, with their open pairs there (mentors:
    pairs that take a place; mentees: pairs still open)."""

    person: Person
    enrollment: Enrollment
    open_pairs: int


class MentorLoadRow(NamedTuple):
    """A mentor's places in a program: how many, how many taken, and whether away."""

    person_id: int
    capacity: int
    taken: int  # pairs that take a place
    paused_until: datetime | None


class ProgramViews(Protocol):
    """Whole-program reads in a fixed number of statements, whatever the program's size.

    Status, export, the digest, ``mentors`` and ``suggest`` read through these so their
    cost never grows a query per pair, check-in or person."""

    async def pairs(self, program_id: int) -> list[Pair]:
        """Every pair of the program, requests that went nowhere included, by id."""
        ...

    async def agreements_in_force(self, program_id: int) -> dict[int, Agreement]:
        """Each pair's latest confirmed agreement, by pair id."""
        ...

    async def checkin_facts(self, program_id: int) -> dict[int, list[CheckInFact]]:
        """Stored check-ins by pair id, each pair's in period order."""
        ...

    async def seats(
        self,
        program_id: int,
        role: Role,
        *,
        waiting: bool = False,
        with_room: bool = False,
        person_ids: Collection[int] | None = None,
    ) -> list[Seat]:
        """Active enrolments in ``role`` with the person and their open pairs, by join order;
        ``waiting``: only those waiting for a (re)match; ``with_room``: only mentors with a
        free place (paused or not); ``person_ids``: only these (a few) people."""
        ...

    async def waiting_line(self, program_id: int, first: int) -> tuple[int, list[Seat]]:
        """How many mentees wait for a (re)match, and the ``first`` in line: rematches
        first, then the longest waits."""
        ...

    async def free_places(
        self, program_id: int, now: datetime, first: int
    ) -> tuple[int, int, list[Seat]]:
        """Mentors with a free place who aren't away at ``now``: how many, how many places
        in all, and the ``first`` with the most room."""
        ...

    async def handles(self, program_id: int) -> dict[int, str]:
        """The handle of everyone who was ever in one of the program's pairs, by id."""
        ...

    async def waiting_since(self, program_id: int) -> list[datetime]:
        """When each mentee now waiting for a (re)match began to wait (the dashboard)."""
        ...

    async def mentor_loads(self, program_id: int) -> list[MentorLoadRow]:
        """Every active mentor's places and pairs, in two statements (the dashboard)."""
        ...

    async def names(self, person_ids: Collection[int]) -> dict[int, str]: ...

    async def handles_of(self, person_ids: Collection[int]) -> dict[int, str]:
        """These people's handles, by id (a few thousand: bounded IN lists)."""
        ...

    async def blocks_in(self, program_id: int) -> set[frozenset[int]]:
        """Every block set by someone enrolled in the program, as the two people's ids."""
        ...


class Drafts(Protocol):
    """Match drafts (see core.model.MatchDraft) and their rows."""

    async def add(self, draft: MatchDraft) -> MatchDraft: ...
    async def save(self, draft: MatchDraft) -> None: ...

    async def latest(self, program_id: int) -> MatchDraft | None:
        """The program's newest draft, whatever its status."""
        ...

    async def rows(self, draft_id: int) -> list[DraftRow]:
        """Every row of a draft: proposed pairs and mentees it leaves waiting."""
        ...

    async def mark_published(self, draft_id: int, at: datetime) -> bool:
        """Mark an open draft published; False if it wasn't open any more (published or
        replaced meanwhile: another coordinator got there first). Waits for a concurrent
        publish of the same draft to end, so only one of them goes ahead."""
        ...

    async def locked(self, draft_id: int) -> list[tuple[int, int]]:
        """The (mentee, mentor) pairs locked in a draft."""
        ...

    async def add_rows(self, rows: Sequence[DraftRow]) -> None: ...

    async def save_rows(self, rows: Sequence[DraftRow]) -> None:
        """Write rows changed by a review (each has an id)."""
        ...


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What forgetting one person changed: rows deleted or cleared, by table."""

    by_table: dict[str, int]


class Privacy(Protocol):
    """Erasure and retention across every table (see core.privacy)."""

    async def forget(
        self,
        person_id: int,
        *,
        actors: Collection[str],
        needles: Iterable[str],
        placeholder_name: str,
        placeholder_handle: str,
    ) -> ForgetReport:
        """Delete a person's data everywhere and turn their person row into an anonymous
        placeholder (so pairs read "with a former participant"). ``actors``: their
        accounts' dialog keys; ``needles``: their name, handles and private texts, whose
        copies in other people's outbox rows, due items, dialogs and draft rows are
        deleted too. Their open pairs must be ended first."""
        ...

    async def purge_ended_pairs(self, *, before: datetime) -> int:
        """Delete the content (notes, agreements, feedback and answer text, end reasons)
        of pairs that ended before ``before``; returns how many rows changed."""
        ...

    async def clear_sent_payloads(self, *, before: datetime) -> int:
        """Empty the payloads of finished outbox rows sent (or, never sent, created)
        before ``before``."""
        ...

    async def workspace_removed(self, platform: str, workspace: str, at: datetime) -> None:
        """Record that the app left a workspace or guild (the first time counts)."""
        ...

    async def workspace_back(self, platform: str, workspace: str) -> bool:
        """Forget a removal (the app was installed again); True if there was one."""
        ...

    async def removed_before(self, before: datetime) -> list[tuple[str, str]]:
        """(platform, workspace) of every removal older than ``before``."""
        ...

    async def people_only_in(self, platform: str, workspace: str) -> list[int]:
        """People all of whose accounts are in this workspace."""
        ...

    async def delete_programs(self, program_ids: Collection[int]) -> int:
        """Delete programs with everything in them; returns how many."""
        ...

    async def idle_people(self, person_ids: Collection[int]) -> list[int]:
        """Those of these people with no enrolment and no pair left."""
        ...

    async def drop_workspace(self, platform: str, workspace: str) -> int:
        """Delete the workspace's remaining accounts and dialogs and its removal record."""
        ...


class UnitOfWork(Protocol):
    people: People
    accounts: Accounts
    links: Links
    direct_channels: DirectChannels
    dialogs: Dialogs
    outbox: Outbox
    programs: Programs
    enrollments: Enrollments
    pairs: Pairs
    agreements: Agreements
    checkins: CheckIns
    answers: Answers
    goals: Goals
    notes: Notes
    feedback: FeedbackRepo
    blocks: Blocks
    due: DueItems
    views: ProgramViews
    drafts: Drafts
    privacy: Privacy
    web: WebAccess

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
"""A unit of work that may write. On SQLite, writers queue for the one write lock."""

ReadFactory = Callable[[], UnitOfWork]
"""A unit of work that only reads and never commits: on SQLite it takes no write lock, so a
long read (status, export, the digest) never holds up anyone's command or the delivery
worker. Committing one is an error."""


class Repository(Protocol[T]):
    async def get(self, item_id: int) -> T | None: ...
    async def add(self, item: T) -> T: ...
    async def save(self, item: T) -> None: ...

    # --- bulk import ---------------------------------------------------------------------

    async def insert_many(self, items: Sequence[T]) -> list[T]:
        """Add many in a few statements; sets each one's id."""
        ...

    async def update_many(self, items: Sequence[T]) -> None:
        """Save many (each has an id) in a few statements."""
        ...


class Programs(Repository[Program], Protocol):
    async def by_slug(self, slug: str) -> Program | None: ...
    async def all(self) -> list[Program]: ...
    async def in_space(self, space: str) -> list[Program]:
        """Programs whose shared space (``"<platform>:<id>"``) is ``space``."""
        ...


class Enrollments(Repository[Enrollment], Protocol):
    async def find(self, program_id: int, person_id: int, role: Role) -> Enrollment | None: ...
    async def of_person(self, person_id: int) -> list[Enrollment]: ...
    async def of_program(self, program_id: int, role: Role | None = None) -> list[Enrollment]: ...

    # --- bulk import ---------------------------------------------------------------------

    async def in_program(self, program_id: int, person_ids: Collection[int]) -> list[Enrollment]:
        """These people's enrolments in the program, any role, active or not."""
        ...


class Pairs(Repository[Pair], Protocol):
    async def of_person(self, person_id: int) -> list[Pair]: ...
    async def of_program(self, program_id: int) -> list[Pair]: ...
    async def expired_requests(self, now: datetime) -> list[Pair]: ...
    async def pauses_ending(self, now: datetime) -> list[Pair]: ...
    async def next_change_after(self, after: datetime) -> datetime | None:
        """The earliest moment later than ``after`` when a pause ends or a request
        expires (what ``pauses_ending`` and ``expired_requests`` will then return)."""
        ...


class Agreements(Repository[Agreement], Protocol):
    async def of_pair(self, pair_id: int) -> list[Agreement]: ...


class CheckIns(Repository[CheckIn], Protocol):
    async def of_pair(self, pair_id: int) -> list[CheckIn]: ...


class Answers(Repository[CheckInAnswer], Protocol):
    async def of_checkin(self, checkin_id: int) -> list[CheckInAnswer]: ...


class Goals(Repository[Goal], Protocol):
    async def of_owner(self, owner_id: int) -> list[Goal]: ...


class Notes(Repository[Note], Protocol):
    async def of_pair(self, pair_id: int) -> list[Note]: ...


class FeedbackRepo(Repository[Feedback], Protocol):
    async def of_pair(self, pair_id: int) -> list[Feedback]: ...


class Blocks(Repository[Block], Protocol):
    async def of_person(self, person_id: int) -> list[Block]: ...
    async def between(self, a: int, b: int) -> bool: ...
    async def remove(self, person_id: int, blocked_id: int) -> bool: ...

    # --- bulk import ---------------------------------------------------------------------

    async def among(self, person_ids: Collection[int]) -> set[tuple[int, int]]:
        """(person, blocked) of every block made by or against any of these people."""
        ...
