"""SQLModel tables. Changing one means writing an Alembic migration (see tests/storage)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def json_column() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


class PersonRow(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    handle: str = Field(max_length=24, unique=True)
    name: str = Field(max_length=80)
    timezone: str = Field(max_length=64)
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    quiet_start: int = 21
    quiet_end: int = 8
    created_at: datetime = utc_column()
    paused_until: datetime | None = utc_column(nullable=True)
    language: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    platform_language: str = Field(
        default="", max_length=16, sa_column_kwargs={"server_default": ""}
    )


class AccountRow(SQLModel, table=True):
    __tablename__ = "platform_account"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "user_id", name="uq_account_identity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64, default="")
    user_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=120)
    preferred: bool = True
    reachable: bool = True
    created_at: datetime | None = utc_column(nullable=True)
    notify_rank: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    gone_at: datetime | None = utc_column(nullable=True)


class LinkCodeRow(SQLModel, table=True):
    """A pending `connect` code (see core.identity.LinkCode): its hash, never the code."""

    __tablename__ = "link_code"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    account_id: int = Field(foreign_key="platform_account.id", ondelete="CASCADE")
    code_hash: str = Field(max_length=64)
    created_at: datetime = utc_column()
    expires_at: datetime = utc_column(index=True)
    claimed_at: datetime | None = utc_column(nullable=True)
    claimant_platform: str = Field(default="", max_length=16)
    claimant_workspace: str = Field(default="", max_length=64)
    claimant_user_id: str = Field(default="", max_length=64)
    claimant_name: str = Field(default="", max_length=120)


class RateEventRow(SQLModel, table=True):
    """One counted try (a code asked for, a wrong code, a relayed message): when, and
    whose, nothing else. Rows older than a day are dropped as new ones come."""

    __tablename__ = "rate_event"
    __table_args__ = (Index("ix_rate_event_key", "key", "kind", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160)
    kind: str = Field(max_length=16)
    at: datetime = utc_column()


class DirectChannelRow(SQLModel, table=True):
    """A messenger's direct conversation with one account (see core.direct_channels); it
    goes with the account."""

    __tablename__ = "direct_channel"

    account_id: int = Field(primary_key=True, foreign_key="platform_account.id", ondelete="CASCADE")
    channel_id: str = Field(default="", max_length=64)
    asked_to_open_at: datetime | None = utc_column(nullable=True)


class DialogRow(SQLModel, table=True):
    __tablename__ = "dialog_state"

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=160, unique=True)
    flow: str = Field(max_length=40)
    step: int
    seq: int = 0
    data: dict[str, Any] = json_column()
    updated_at: datetime = utc_column()


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("person_id", "key", name="uq_outbox_person_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    key: str = Field(max_length=160)
    kind: str = Field(max_length=40)
    payload: dict[str, Any] = json_column()
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    created_at: datetime = utc_column()
    next_attempt_at: datetime | None = utc_column(nullable=True)
    sent_at: datetime | None = utc_column(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    locked_by: str | None = Field(default=None, max_length=80)
    locked_until: datetime | None = utc_column(nullable=True)
    account_id: int | None = Field(
        default=None, foreign_key="platform_account.id", ondelete="SET NULL"
    )


class DueItemRow(SQLModel, table=True):
    """The schedule of record. (status, due_at) keeps "is anything due?" an index probe.

    person_id has no index of its own on purpose: due items of many people are inserted
    together, and an index by person made inserting 1,000 into a 1M-row table three
    times slower. Deleting a person (rare) scans the table once instead.
    """

    __tablename__ = "due_item"
    __table_args__ = (
        UniqueConstraint("subject", "kind", "period", "person_id", name="uq_due_item_key"),
        Index("ix_due_item_status_due_at", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=80)
    kind: str = Field(max_length=40)
    period: int
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    due_at: datetime = utc_column()
    status: str = Field(default="scheduled", max_length=16)
    attempts: int = 0
    locked_by: str | None = Field(default=None, max_length=80)
    locked_until: datetime | None = utc_column(nullable=True)
    payload: dict[str, Any] = json_column()
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class ProgramRow(SQLModel, table=True):
    __tablename__ = "program"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=80)
    description: str = Field(default="", max_length=1000)
    created_at: datetime = utc_column()
    starts_on: date | None = None
    ends_on: date | None = None
    cadence_days: int = 14
    duration_weeks: int = 12
    meeting_minutes: int = 30
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    matching: str = Field(default="request", max_length=16)
    request_expiry_hours: int = 72
    space: str = Field(default="", max_length=120)
    channel: str = Field(default="", max_length=120)
    remind_after_misses: int = 1
    partner_after_misses: int = 2
    coordinator_after_misses: int = 3
    auto_pause: bool = True
    announcements: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    match_language: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    match_weights: str = Field(default="", max_length=120, sa_column_kwargs={"server_default": ""})
    language: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})


class EnrollmentRow(SQLModel, table=True):
    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("program_id", "person_id", "role", name="uq_enrollment"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=16)
    joined_at: datetime = utc_column()
    capacity: int = 0
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    goals: str = Field(default="", max_length=1000)
    mode: str = Field(default="async", max_length=16)
    availability: str = Field(default="", max_length=300)
    active: bool = True
    waiting_since: datetime | None = utc_column(nullable=True)
    rematch: bool = False
    joins: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class PairRow(SQLModel, table=True):
    __tablename__ = "pair"
    __table_args__ = (Index("ix_pair_people", "program_id", "mentor_id", "mentee_id"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")
    mentor_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    mentee_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    status: str = Field(max_length=16, index=True)
    created_at: datetime = utc_column()
    origin: str = Field(default="assigned", max_length=16)
    forced: bool = False
    expires_at: datetime | None = utc_column(nullable=True)
    next_choices: list[int] = Field(
        default_factory=list, sa_column=Column(JSONType, nullable=False)
    )
    started_at: datetime | None = utc_column(nullable=True)
    paused_until: datetime | None = utc_column(nullable=True)
    ended_at: datetime | None = utc_column(nullable=True)
    ended_by: int | None = None
    end_reason: str = Field(default="", max_length=300)
    pauses: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    relay_mentor: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    relay_mentee: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class AgreementRow(SQLModel, table=True):
    __tablename__ = "agreement"
    __table_args__ = (UniqueConstraint("pair_id", "version", name="uq_agreement_version"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True, ondelete="CASCADE")
    version: int
    proposed_by: int = Field(foreign_key="person.id", ondelete="CASCADE")
    created_at: datetime = utc_column()
    goals: str = Field(max_length=1000)
    cadence_days: int
    mode: str = Field(max_length=16)
    channel: str = Field(max_length=120)
    meeting_minutes: int
    starts_on: date
    ends_on: date
    response_hours: int
    confidentiality: str = Field(max_length=300)
    confirmed_by: list[int] = Field(
        default_factory=list, sa_column=Column(JSONType, nullable=False)
    )
    status: str = Field(default="proposed", max_length=16)
    confirmed_at: datetime | None = utc_column(nullable=True)


class CheckInRow(SQLModel, table=True):
    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("pair_id", "period", name="uq_checkin_period"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True, ondelete="CASCADE")
    period: int
    opens_on: date
    closes_on: date
    status: str = Field(default="open", max_length=16)


class CheckInAnswerRow(SQLModel, table=True):
    __tablename__ = "checkin_answer"
    __table_args__ = (UniqueConstraint("checkin_id", "person_id", name="uq_checkin_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkin.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    met: bool
    minutes: int
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    answers: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    rating: int
    note: str = Field(max_length=2000)
    note_shared: bool
    submitted_at: datetime = utc_column()
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class GoalRow(SQLModel, table=True):
    __tablename__ = "goal"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")
    text: str = Field(max_length=300)
    created_at: datetime = utc_column()
    shared: bool = False
    progress: int = 0
    done_at: datetime | None = utc_column(nullable=True)


class NoteRow(SQLModel, table=True):
    __tablename__ = "note"

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    pair_id: int = Field(foreign_key="pair.id", index=True, ondelete="CASCADE")
    text: str = Field(max_length=2000)
    shared: bool
    created_at: datetime = utc_column()


class FeedbackRow(SQLModel, table=True):
    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True, ondelete="CASCADE")
    author_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    rating: int
    created_at: datetime = utc_column()
    what_happened: str = Field(default="", max_length=1000)
    effect: str = Field(default="", max_length=1000)
    suggestion: str = Field(default="", max_length=1000)
    reason: str = Field(default="", max_length=300)


class BlockRow(SQLModel, table=True):
    __tablename__ = "block"
    __table_args__ = (UniqueConstraint("person_id", "blocked_id", name="uq_block"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    blocked_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    created_at: datetime = utc_column()


class MatchDraftRow(SQLModel, table=True):
    __tablename__ = "match_draft"
    __table_args__ = (UniqueConstraint("program_id", "number", name="uq_match_draft"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True, ondelete="CASCADE")
    number: int
    created_by: int = Field(foreign_key="person.id", ondelete="CASCADE")
    created_at: datetime = utc_column()
    stable: bool = False
    fingerprint: str = Field(max_length=64)
    census: str
    seconds: float
    k_used: int
    widened: bool = False
    status: str = Field(default="draft", max_length=16)
    published_at: datetime | None = utc_column(nullable=True)


class DraftRowRow(SQLModel, table=True):
    __tablename__ = "match_draft_row"

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="match_draft.id", index=True, ondelete="CASCADE")
    mentee_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    mentor_id: int | None = Field(default=None, foreign_key="person.id", ondelete="CASCADE")
    score: float = 0.0
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    locked: bool = False
    reason_code: str = Field(default="", max_length=32)
    phrase: str = Field(default="", max_length=300)


class RemovedWorkspaceRow(SQLModel, table=True):
    """A Slack workspace that uninstalled the app or a Discord guild that removed the bot:
    its people's data is purged once the grace period after ``removed_at`` has passed,
    unless it comes back first."""

    __tablename__ = "removed_workspace"
    __table_args__ = (UniqueConstraint("platform", "workspace", name="uq_removed_workspace"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    removed_at: datetime = utc_column()


class PacingSlotRow(SQLModel, table=True):
    """The next free send slot of one pacing scope, shared by the workers of one
    PostgreSQL database (storage/pacing.py); seconds since the epoch, database clock."""

    __tablename__ = "pacing_slot"

    scope: str = Field(primary_key=True, max_length=200)
    next_at: float = 0.0


class WebSigninRow(SQLModel, table=True):
    """A one-time dashboard link (see core.dashboard.records.WebSignin): its hash only."""

    __tablename__ = "web_signin"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    account_id: int = Field(foreign_key="platform_account.id", ondelete="CASCADE")
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = utc_column()
    expires_at: datetime = utc_column(index=True)
    used_at: datetime | None = utc_column(nullable=True)


class WebSessionRow(SQLModel, table=True):
    """A signed-in dashboard browser: the hash of its cookie, never the cookie."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    account_id: int = Field(foreign_key="platform_account.id", ondelete="CASCADE")
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")
    session_hash: str = Field(max_length=64, unique=True, index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = utc_column()
    expires_at: datetime = utc_column(index=True)


class WebAuditRow(SQLModel, table=True):
    """Who did what in the dashboard: every state-changing action, refused ones too."""

    __tablename__ = "web_audit"
    __table_args__ = (Index("ix_web_audit_program", "program_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")
    action: str = Field(max_length=32)
    detail: str = Field(default="", max_length=300)
    outcome: str = Field(max_length=16)
    at: datetime = utc_column()
