"""People's data rights: what they can export (``my_data``), forgetting a person
(``forget_me``, and the people of a removed workspace), and how long things are kept.

Forgetting keeps only anonymous history a coordinator's records need: the person's row
becomes a placeholder ("a former participant", a handle no one can type or claim), so
their pairs and check-in counts still add up; everything they wrote or that describes
them is deleted (see :meth:`core.ports.Privacy.forget` and the README).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.i18n import N_, _, said
from core.messages import Notice, Reply
from core.model import PairStatus, Role
from core.ports import DirectChannel, ForgetReport, UnitOfWork
from core.services import Work
from core.services.schedule import cancel_pair

PLACEHOLDER_NAME = "a former participant"


def placeholder_handle(person_id: int) -> str:
    """A hyphen is never in a handle people type (core.text.clean_handle): nobody can
    find, claim or mention the placeholder."""
    return f"former-{person_id}"


@dataclass(frozen=True, slots=True)
class PrivacyRetention:
    """How long personal content is kept (``[privacy]`` in the config)."""

    keep_ended_pairs_days: int = 365
    keep_sent_messages_days: int = 2
    removed_workspace_grace_days: int = 30


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


async def export_person(uow: UnitOfWork, person_id: int, now: datetime) -> dict[str, Any]:
    """Everything stored about one person that is theirs to see: their profile, accounts,
    enrolments, pairs (the partner by name only), agreements, goals, their own check-in
    answers, notes and feedback, and whom they blocked. Nothing private of anyone else."""
    person = await uow.people.get(person_id)
    assert person is not None
    programs = {p.id: p.name for p in await uow.programs.all()}
    accounts = await uow.accounts.of_person(person_id)
    direct = await uow.direct_channels.of_accounts([a.id for a in accounts if a.id is not None])
    data: dict[str, Any] = {
        "exported_at": now.isoformat(),
        "profile": {
            "name": person.name,
            "handle": person.handle,
            "timezone": person.timezone,
            "languages": list(person.languages),
            "quiet_hours": f"{person.quiet_start:02d}-{person.quiet_end:02d}",
            "registered_at": _when(person.created_at),
            "paused_until": _when(person.paused_until),
        },
        "accounts": [
            {
                "messenger": a.platform.value,
                "workspace": a.workspace,
                "user_id": a.user_id,
                "display_name": a.display_name,
                "preferred": a.preferred,
                "reachable": a.reachable,
                **_direct_channel(direct.get(a.id or 0)),
            }
            for a in accounts
        ],
        "enrollments": [
            {
                "program": programs.get(e.program_id, "?"),
                "role": e.role.value,
                "joined_at": _when(e.joined_at),
                "active": e.active,
                "capacity": e.capacity,
                "skills": list(e.skills),
                "goals": e.goals,
                "mode": e.mode.value,
                "availability": e.availability,
            }
            for e in await uow.enrollments.of_person(person_id)
        ],
        "pairs": [],
        "agreements": [],
        "checkin_answers": [],
        "notes": [],
        "feedback": [],
        "goals": [
            {
                "program": programs.get(g.program_id, "?"),
                "text": g.text,
                "shared": g.shared,
                "progress": g.progress,
                "created_at": _when(g.created_at),
                "done_at": _when(g.done_at),
            }
            for g in await uow.goals.of_owner(person_id)
        ],
        "blocked": [],
    }
    for pair in await uow.pairs.of_person(person_id):
        assert pair.id is not None
        partner = await uow.people.get(pair.partner_of(person_id))
        data["pairs"].append(
            {
                "pair": pair.id,
                "program": programs.get(pair.program_id, "?"),
                "my_role": "mentor" if pair.mentor_id == person_id else "mentee",
                "partner": partner.name if partner is not None else PLACEHOLDER_NAME,
                "status": pair.status.value,
                "created_at": _when(pair.created_at),
                "started_at": _when(pair.started_at),
                "ended_at": _when(pair.ended_at),
                # why it ended is theirs only if they ended it (a partner's reason is private)
                "my_end_reason": pair.end_reason if pair.ended_by == person_id else "",
            }
        )
        for agreement in await uow.agreements.of_pair(pair.id):
            data["agreements"].append(
                {
                    "pair": pair.id,
                    "version": agreement.version,
                    "status": agreement.status,
                    "proposed_by_me": agreement.proposed_by == person_id,
                    **agreement.terms(),
                }
            )
        for checkin in await uow.checkins.of_pair(pair.id):
            assert checkin.id is not None
            for answer in await uow.answers.of_checkin(checkin.id):
                if answer.person_id != person_id:
                    continue
                data["checkin_answers"].append(
                    {
                        "pair": pair.id,
                        "period": checkin.period + 1,
                        "met": answer.met,
                        "minutes": answer.minutes,
                        "rating": answer.rating,
                        "answers": [
                            {"question": q, "answer": a}
                            for q, a in zip(answer.questions, answer.answers, strict=False)
                        ],
                        "note": answer.note,
                        "note_shared": answer.note_shared,
                        "submitted_at": _when(answer.submitted_at),
                    }
                )
        data["notes"] += [
            {"pair": pair.id, "text": n.text, "shared": n.shared, "created_at": _when(n.created_at)}
            for n in await uow.notes.of_pair(pair.id)
            if n.author_id == person_id
        ]
        data["feedback"] += [
            {
                "pair": pair.id,
                "kind": f.kind,
                "rating": f.rating,
                "what_happened": f.what_happened,
                "effect": f.effect,
                "suggestion": f.suggestion,
                "reason": f.reason,
                "created_at": _when(f.created_at),
            }
            for f in await uow.feedback.of_pair(pair.id)
            if f.author_id == person_id
        ]
    for block in await uow.blocks.of_person(person_id):
        if block.person_id != person_id:
            continue  # who blocked *them* is confidential
        blocked = await uow.people.get(block.blocked_id)
        data["blocked"].append(
            {
                "name": blocked.name if blocked is not None else PLACEHOLDER_NAME,
                "since": _when(block.created_at),
            }
        )
    return data


def _direct_channel(direct: DirectChannel | None) -> dict[str, Any]:
    """What a messenger keeps of its direct conversation with the account."""
    return {
        "direct_channel": direct.channel_id if direct is not None else "",
        "asked_to_open_dms_at": _when(direct.asked_to_open_at if direct is not None else None),
    }


def export_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# The export's sections: the JSON's keys (stable) and the Markdown's headings (said).
_SECTIONS = (
    ("accounts", N_("Messenger accounts")),
    ("enrollments", N_("Programs you joined")),
    ("pairs", N_("Mentoring pairs")),
    ("agreements", N_("Agreements")),
    ("goals", N_("Goals")),
    ("checkin_answers", N_("Your check-in answers")),
    ("notes", N_("Your notes")),
    ("feedback", N_("Feedback you wrote")),
    ("blocked", N_("People you blocked")),
)


def export_markdown(data: dict[str, Any]) -> str:
    """The same record as readable Markdown, in its reader's language (its field names
    are the JSON's keys, made readable)."""
    lines = [
        "# " + _("Your mentorhub data"),
        "",
        _("Exported {at}. The JSON file has the same content.", at=data["exported_at"]),
        "",
        "## " + _("Profile"),
        "",
    ]
    lines += [f"- **{_label(k)}**: {_value(v)}" for k, v in data["profile"].items()]
    for key, title in _SECTIONS:
        items = data[key]
        lines += ["", f"## {said(title)}", ""]
        if not items:
            lines.append("_" + _("None.") + "_")
            continue
        for number, item in enumerate(items, start=1):
            lines.append(f"### {number}")
            lines += [f"- **{_label(k)}**: {_value(v)}" for k, v in item.items()]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(f"{v.get('question', '')} → {v.get('answer', '')}" for v in value)
        return ", ".join(map(str, value))
    return str(value).replace("\n", " ")


# --- forgetting ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Forgotten:
    report: ForgetReport
    notices: list[Notice]
    pairs_ended: int


async def forget_person(work: Work, person_id: int, *, tell_others: bool = True) -> Forgotten:
    """End the person's open pairs (a kind, neutral notice to each partner; coordinators
    learn only that a participant left), then delete their data everywhere (see
    :meth:`core.ports.Privacy.forget`). Irreversible. The notices name nobody."""
    uow = work.uow
    person = await uow.people.get(person_id)
    assert person is not None
    accounts = await uow.accounts.of_person(person_id)
    needles = [person.name, person.handle, *(a.display_name for a in accounts)]
    for goal in await uow.goals.of_owner(person_id):
        needles.append(goal.text)
    for enrollment in await uow.enrollments.of_person(person_id):
        needles += [enrollment.goals, enrollment.availability]
    pairs = await uow.pairs.of_person(person_id)
    for pair in pairs:
        assert pair.id is not None
        needles += [n.text for n in await uow.notes.of_pair(pair.id) if n.author_id == person_id]
        for f in await uow.feedback.of_pair(pair.id):
            if f.author_id == person_id:
                needles += [f.what_happened, f.effect, f.suggestion, f.reason]
        for checkin in await uow.checkins.of_pair(pair.id):
            assert checkin.id is not None
            for answer in await uow.answers.of_checkin(checkin.id):
                if answer.person_id == person_id:
                    needles += [answer.note, *answer.answers]
        if pair.ended_by == person_id:
            needles.append(pair.end_reason)
    programs = {p.id: p for p in await uow.programs.all()}
    notices: list[Notice] = []
    ended = 0
    left: set[int] = {e.program_id for e in await uow.enrollments.of_person(person_id)}
    for pair in pairs:
        left.add(pair.program_id)
        if not pair.status.is_open:
            continue
        assert pair.id is not None
        was_request = pair.status is PairStatus.AWAITING
        pair.status = PairStatus.EXPIRED if was_request else PairStatus.ENDED
        pair.ended_at, pair.ended_by, pair.end_reason = work.now, person_id, ""
        pair.paused_until = None
        await uow.pairs.save(pair)
        await cancel_pair(work, pair)
        ended += 1
        partner = pair.partner_of(person_id)
        program = programs.get(pair.program_id)
        # Translators: said where a program's name goes ("… in {program} …") when it is gone.
        name = program.name if program is not None else _("your program")
        if was_request and partner == pair.mentor_id:
            text = _(
                "A mentoring request in {program} was withdrawn: the person who sent it has "
                "left mentorhub. Nothing is needed from you.",
                program=name,
            )
        elif was_request:
            text = _(
                "Your mentoring request in {program} can't go ahead: the mentor you asked has "
                "left mentorhub. Send `mentors` to ask someone else.",
                program=name,
            )
        elif partner == pair.mentee_id:
            text = _(
                "Your mentoring pair in {program} has come to a close: your mentor has left "
                "mentorhub. Thank you for the time you put in — it counts. When you're ready, "
                "send `rematch` to be matched with someone new; you'll come first.",
                program=name,
            )
        else:
            text = _(
                "Your mentoring pair in {program} has come to a close: your mentee has left "
                "mentorhub. Thank you for the time you put in — it counts. Your place is "
                "free again.",
                program=name,
            )
        if tell_others:
            notices.append(
                Notice(partner, Reply(text, title=name), key=f"pair:{pair.id}:partner-left")
            )
    if tell_others:
        for program_id in sorted(left):
            program = programs.get(program_id)
            if program is None:
                continue
            for coordinator in await uow.enrollments.of_program(program_id, Role.COORDINATOR):
                if coordinator.person_id == person_id:
                    continue
                notices.append(
                    Notice(
                        coordinator.person_id,
                        Reply(
                            _(
                                "A participant left {program} and asked for their data to be "
                                "deleted. Their pairs are shown as ended, with a former "
                                "participant.",
                                program=program.name,
                            ),
                            title=program.name,
                        ),
                        key=f"program:{program_id}:participant-left:{person_id}",
                    )
                )
    actors = [f"{a.platform.value}:{a.workspace}:{a.user_id}" for a in accounts]
    report = await uow.privacy.forget(
        person_id,
        actors=actors,
        needles=[n for n in needles if n],
        placeholder_name=PLACEHOLDER_NAME,
        placeholder_handle=placeholder_handle(person_id),
    )
    return Forgotten(report, notices, ended)


# --- retention -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrivacyReport:
    ended_pairs: int = 0
    payloads: int = 0
    workspaces: int = 0
    people: int = 0


async def purge_expired(work: Work, retention: PrivacyRetention) -> PrivacyReport:
    """The retention purges, in the housekeeping job's unit of work."""
    uow, now = work.uow, work.now
    ended = await uow.privacy.purge_ended_pairs(
        before=now - timedelta(days=retention.keep_ended_pairs_days)
    )
    payloads = await uow.privacy.clear_sent_payloads(
        before=now - timedelta(days=retention.keep_sent_messages_days)
    )
    workspaces = people = 0
    grace = timedelta(days=retention.removed_workspace_grace_days)
    for platform, workspace in await uow.privacy.removed_before(now - grace):
        people += await purge_workspace(work, platform, workspace)
        workspaces += 1
    return PrivacyReport(ended, payloads, workspaces, people)


async def purge_workspace(work: Work, platform: str, workspace: str) -> int:
    """Delete what belongs to a workspace or guild the app was removed from: the programs
    living there (with everything in them), everyone who took part only in those programs
    or whose accounts are all there (forgotten as by ``forget_me``, without notices: there
    is nobody there to tell), and the workspace's remaining accounts. Returns how many
    people were forgotten."""
    uow = work.uow
    programs = [p for p in await uow.programs.in_space(f"{platform}:{workspace}") if p.id]
    members: set[int] = set()
    for program in programs:
        assert program.id is not None
        members |= {e.person_id for e in await uow.enrollments.of_program(program.id)}
        members |= {
            person
            for pair in await uow.pairs.of_program(program.id)
            for person in (pair.mentor_id, pair.mentee_id)
        }
    await uow.privacy.delete_programs([p.id for p in programs if p.id is not None])
    gone: set[int] = set()
    for person_id in await uow.privacy.idle_people(members):
        accounts = await uow.accounts.of_person(person_id)
        if all(a.platform.value == platform for a in accounts):
            gone.add(person_id)  # took part only here, and has no other messenger
    gone |= set(await uow.privacy.people_only_in(platform, workspace))
    for person_id in sorted(gone):
        person = await uow.people.get(person_id)
        if person is None or person.handle == placeholder_handle(person_id):
            continue  # forgotten already
        await forget_person(work, person_id, tell_others=False)
    await uow.privacy.drop_workspace(platform, workspace)
    return len(gone)
