"""The dashboard's sign-in links, sessions and audit log (core.dashboard.records)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from core.dashboard.records import AuditEntry, WebSession, WebSignin
from storage.mapping import to_domain, to_row
from storage.repositories.base import _Statements, _table
from storage.tables import WebAuditRow, WebSessionRow, WebSigninRow

# Kept a day past expiry, so a late or second click is told why, not just "wrong".
USED_LINKS_KEPT = timedelta(days=1)


class SqlWebAccess(_Statements):
    async def add_signin(self, signin: WebSignin) -> WebSignin:
        row = to_row(signin, WebSigninRow)
        self.session.add(row)
        await self.session.flush()
        signin.id = row.id
        return signin

    async def live_signins(self, now: datetime) -> list[WebSignin]:
        t = _table(WebSigninRow)
        rows = await self._run(
            select(t).where(t.c.expires_at > now, t.c.used_at.is_(None)).order_by(t.c.id)
        )
        return [to_domain(row, WebSignin) for row in rows.all()]

    async def any_signin(self, token_hash: str) -> WebSignin | None:
        t = _table(WebSigninRow)
        row = (await self._run(select(t).where(t.c.token_hash == token_hash))).first()
        return to_domain(row, WebSignin) if row is not None else None

    async def use_signin(self, signin_id: int, at: datetime) -> bool:
        t = _table(WebSigninRow)
        return (
            await self._count(
                update(t).where(t.c.id == signin_id, t.c.used_at.is_(None)).values(used_at=at)
            )
            == 1
        )

    async def add_session(self, session: WebSession) -> WebSession:
        row = to_row(session, WebSessionRow)
        self.session.add(row)
        await self.session.flush()
        session.id = row.id
        return session

    async def live_session(self, session_hash: str, now: datetime) -> WebSession | None:
        t = _table(WebSessionRow)
        row = (
            await self._run(select(t).where(t.c.session_hash == session_hash, t.c.expires_at > now))
        ).first()
        return to_domain(row, WebSession) if row is not None else None

    async def drop_session(self, session_id: int) -> None:
        t = _table(WebSessionRow)
        await self._run(delete(t).where(t.c.id == session_id))

    async def drop_expired(self, now: datetime) -> int:
        sessions, links = _table(WebSessionRow), _table(WebSigninRow)
        dropped = await self._count(delete(sessions).where(sessions.c.expires_at <= now))
        return dropped + await self._count(
            delete(links).where(links.c.expires_at <= now - USED_LINKS_KEPT)
        )

    async def audit(self, entry: AuditEntry) -> None:
        row = to_row(entry, WebAuditRow)
        self.session.add(row)
        await self.session.flush()
        entry.id = row.id

    async def recent_audit(self, program_id: int, limit: int) -> list[AuditEntry]:
        t = _table(WebAuditRow)
        rows = await self._run(
            select(t).where(t.c.program_id == program_id).order_by(t.c.id.desc()).limit(limit)
        )
        return [to_domain(row, AuditEntry) for row in rows.all()]

    async def purge_audit(self, before: datetime) -> int:
        t = _table(WebAuditRow)
        return await self._count(delete(t).where(t.c.at < before))
