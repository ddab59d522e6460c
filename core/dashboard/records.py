"""What the dashboard keeps: one-time sign-in links, browser sessions, and who did what.

Only hashes of the secrets are stored (as for `connect` codes): a copy of the database
opens no session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

SIGNIN_VALID = timedelta(minutes=10)
SESSION_VALID = timedelta(hours=12)
SECRET_BYTES = 32  # 256 bits: as unguessable as anything in the URL or cookie needs to be


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(slots=True)
class WebSignin:
    """A one-time link sent in chat by `dashboard <program>`: opens one session, once,
    within ten minutes, for the person and program it names."""

    person_id: int
    account_id: int  # the account that asked: web actions run as it
    program_id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class WebSession:
    """A signed-in browser: its cookie's hash, and the synchronizer token its forms carry."""

    person_id: int
    account_id: int
    program_id: int
    session_hash: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    id: int | None = None


@dataclass(slots=True)
class AuditEntry:
    """One state-changing action taken in the dashboard, and who took it."""

    person_id: int | None  # None once that person was deleted
    program_id: int
    action: str
    detail: str
    outcome: str  # "ok", "refused"
    at: datetime
    id: int | None = None


class WebAccess(Protocol):
    """Sign-in links, sessions and the audit log of the dashboard."""

    async def add_signin(self, signin: WebSignin) -> WebSignin: ...

    async def live_signins(self, now: datetime) -> list[WebSignin]:
        """Links neither expired nor used (a handful: each lives ten minutes)."""
        ...

    async def any_signin(self, token_hash: str) -> WebSignin | None:
        """The link with this hash, used or expired too (to say why it doesn't work)."""
        ...

    async def use_signin(self, signin_id: int, at: datetime) -> bool:
        """Mark a link used; False if it already was (two clicks racing: one wins)."""
        ...

    async def add_session(self, session: WebSession) -> WebSession: ...

    async def live_session(self, session_hash: str, now: datetime) -> WebSession | None:
        """The live session with this cookie hash."""
        ...

    async def drop_session(self, session_id: int) -> None: ...

    async def drop_expired(self, now: datetime) -> int:
        """Delete expired sessions and links (used ones a day after they expired)."""
        ...

    async def audit(self, entry: AuditEntry) -> None: ...

    async def recent_audit(self, program_id: int, limit: int) -> list[AuditEntry]:
        """The program's latest audit entries, newest first."""
        ...

    async def purge_audit(self, before: datetime) -> int:
        """Delete audit entries older than ``before``; how many went."""
        ...
