"""The dashboard's pages as HTML: semantic, readable without script, every value escaped.

Pure functions from what core.dashboard returns to a string; adapters/web/server.py
serves them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from html import escape
from urllib.parse import urlencode

from adapters.web.charts import bar_chart, column_chart
from core.dashboard.records import AuditEntry
from core.dashboard.service import DraftLine, DraftView, SettingView, Viewer
from core.dashboard.views import (
    SHOWN_RISKS,
    PairLine,
    PairPage,
    PairQuery,
    Snapshot,
)
from core.model import Matching, PairStatus

Flash = Sequence[tuple[str, bool]]  # (text, is_error)
TABS = (("", "Overview"), ("pairs", "Pairs"), ("draft", "Matching draft"), ("settings", "Settings"))


def e(value: object) -> str:
    return escape(str(value), quote=True)


def document(title: str, body: str, *, viewer: Viewer | None = None, tab: str = "") -> str:
    nav = _nav(viewer, tab) if viewer else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} · mentorhub</title>"
        '<link rel="stylesheet" href="/static/dashboard.css"></head><body>'
        '<a class="skip" href="#main">Skip to content</a>'
        f'<header class="top"><p class="brand">mentorhub <span>dashboard</span></p>{nav}</header>'
        f'<main id="main" tabindex="-1">{body}</main></body></html>'
    )


def _nav(viewer: Viewer, tab: str) -> str:
    base = f"/p/{e(viewer.program.slug)}/"
    current = ' aria-current="page"'
    links = "".join(
        f'<li><a href="{base}{path}"{current if path == tab else ""}>{label}</a></li>'
        for path, label in TABS
    )
    return (
        f'<nav aria-label="Dashboard"><ul>{links}</ul></nav>'
        f'<form class="signout" method="post" action="/signout">{csrf_field(viewer)}'
        f'<span class="who">{e(viewer.name)}</span> <button type="submit">Sign out</button></form>'
    )


def _field(field_id: str, label: str, control: str) -> str:
    return f'<div class="field"><label for="{field_id}">{e(label)}</label>{control}</div>'


def csrf_field(viewer: Viewer) -> str:
    return f'<input type="hidden" name="csrf" value="{e(viewer.csrf_token)}">'


def flashes(flash: Flash) -> str:
    return "".join(
        f'<div class="flash{" error" if error else ""}" role="{"alert" if error else "status"}">'
        f"{_paragraphs(text)}</div>"
        for text, error in flash
    )


CODE = re.compile(r"`([^`<>]+)`")
CODE_HTML = r"<code>\1</code>"


def _paragraphs(text: str) -> str:
    """Lines as paragraphs; `commands` as chat writes them shown as code."""
    lines = [CODE.sub(CODE_HTML, e(line)) for line in text.splitlines() if line.strip()]
    return "".join(f"<p>{line}</p>" for line in lines)


def message_page(title: str, text: str, *, action: str = "") -> str:
    return document(title, f"<h1>{e(title)}</h1>{_paragraphs(text)}{action}")


def signin_page(token_path: str, program_name: str) -> str:
    body = (
        f"<h1>Sign in to the dashboard of {e(program_name)}</h1>"
        "<p>This link came to you in chat. It works once: signing in uses it up.</p>"
        f'<form method="post" action="{e(token_path)}">'
        '<button class="primary" type="submit">Sign in</button></form>'
    )
    return document("Sign in", body)


def home_page() -> str:
    return message_page(
        "mentorhub dashboard",
        "To sign in, send `dashboard <program>` to the mentorhub bot in a private chat: it "
        "answers with a link that works once, for 10 minutes.",
    )


# --- overview -----------------------------------------------------------------------------


def overview_page(viewer: Viewer, snap: Snapshot, flash: Flash) -> str:
    program = snap.program
    by_state = [(s.value, snap.pairs_by_state.get(s, 0)) for s in PairStatus]
    shown_states = [(label, n) for label, n in by_state if n] or [("none yet", 0)]
    matched = sum(n for s, n in snap.pairs_by_state.items() if s.was_matched)
    capacity, taken = snap.capacity, snap.places_taken
    this_period = (
        f"{snap.answered:,} of {snap.expected:,} ({round(100 * snap.answered / snap.expected)}%)"
        if snap.expected
        else "no active pairs"
    )
    cards = _cards(
        [
            ("Pairs", f"{matched:,}", ", ".join(f"{label} {n:,}" for label, n in shown_states)),
            ("Check-in answers this period", this_period, "two per active pair"),
            ("At risk", f"{len(snap.at_risk):,}", "missed check-ins or long silence"),
            ("Waiting mentees", f"{len(snap.waited_days):,}", _longest_wait(snap)),
            (
                "Mentor places taken",
                f"{taken:,} of {capacity:,}",
                f"{len(snap.mentor_loads):,} mentors",
            ),
        ]
    )
    slug = e(program.slug)
    body = (
        f"<h1>{e(program.name)}</h1>"
        f'<p class="meta">Read at {snap.taken_at:%Y-%m-%d %H:%M} UTC · '
        f'<a href="/p/{slug}/export.csv">Download CSV</a></p>'
        f"{flashes(flash)}{cards}"
        f'<div class="grid">{_trend(snap)}{_states(shown_states)}</div>'
        f"{_risks(snap)}"
        f'<div class="grid">{_waiting(snap)}{_load(snap)}</div>'
    )
    return document(program.name, body, viewer=viewer, tab="")


def _cards(cards: Iterable[tuple[str, str, str]]) -> str:
    items = "".join(
        f'<div class="card"><dt>{e(label)}</dt><dd><strong>{e(value)}</strong>'
        f"<span>{e(note)}</span></dd></div>"
        for label, value, note in cards
    )
    return f'<dl class="cards">{items}</dl>'


def _longest_wait(snap: Snapshot) -> str:
    if not snap.waited_days:
        return "nobody is waiting"
    return f"longest {max(snap.waited_days)} days"


def _trend(snap: Snapshot) -> str:
    items = [(f"{w.week:%d %b}", w.completion) for w in snap.weeks]
    notes = [f"{w.done} done, {w.partial} partial, {w.missed} missed" for w in snap.weeks]
    chart = column_chart("Check-in completion by week", items, note=notes, unit="%", top=100)
    rows = "".join(
        f'<tr><th scope="row">{w.week:%Y-%m-%d}</th><td>{w.done:,}</td><td>{w.partial:,}</td>'
        f"<td>{w.missed:,}</td><td>{'–' if w.completion is None else f'{w.completion}%'}</td></tr>"
        for w in snap.weeks
    )
    table = (
        "<details><summary>The numbers</summary><table><caption>Check-in periods that closed "
        'each week (a partial check-in counts half)</caption><thead><tr><th scope="col">Week of'
        '</th><th scope="col">Done</th><th scope="col">Partial</th><th scope="col">Missed'
        f'</th><th scope="col">Completion</th></tr></thead><tbody>{rows}</tbody></table></details>'
    )
    return (
        '<section aria-labelledby="trend-h" class="panel wide"><h2 id="trend-h">Check-in '
        'completion by week</h2><p class="hint">Periods that closed each week, the last 12 '
        f"weeks: done counts whole, partial half.</p>{chart}{table}</section>"
    )


def _states(states: list[tuple[str, int]]) -> str:
    chart = bar_chart("Pairs by state", states, tone=[label for label, _ in states])
    rows = "".join(f'<tr><th scope="row">{e(label)}</th><td>{n:,}</td></tr>' for label, n in states)
    return (
        '<section aria-labelledby="states-h" class="panel"><h2 id="states-h">Pairs by state</h2>'
        f'{chart}<details><summary>The numbers</summary><table><thead><tr><th scope="col">State'
        f'</th><th scope="col">Pairs</th></tr></thead><tbody>{rows}</tbody></table></details>'
        "</section>"
    )


def _risks(snap: Snapshot) -> str:
    slug = e(snap.program.slug)
    if not snap.at_risk:
        inner = "<p>No pair is at risk.</p>"
    else:
        rows = "".join(
            f"<tr><td>#{line.pair_id}</td><td>@{e(line.mentor)}</td><td>@{e(line.mentee)}</td>"
            f"<td>{e(line.status.value)}</td><td>{e(line.risk)}</td></tr>"
            for line in snap.at_risk[:SHOWN_RISKS]
        )
        more = (
            f'<p><a href="/p/{slug}/pairs?status=at_risk&amp;sort=risk&amp;order=desc">All '
            f"{len(snap.at_risk):,} pairs at risk</a></p>"
        )
        inner = (
            '<div class="scroll bare"><table><caption>Most urgent first</caption><thead><tr>'
            '<th scope="col">Pair</th>'
            '<th scope="col">Mentor</th><th scope="col">Mentee</th><th scope="col">Status'
            f'</th><th scope="col">Why</th></tr></thead><tbody>{rows}</tbody></table></div>'
            f"{more}"
        )
    return (
        '<section aria-labelledby="risk-h" class="panel wide"><h2 id="risk-h">At risk '
        f'<span class="count">{len(snap.at_risk):,}</span></h2>{inner}</section>'
    )


WAIT_BUCKETS = ((0, 7, "under a week"), (7, 14, "1–2 weeks"), (14, 28, "2–4 weeks"))


def _waiting(snap: Snapshot) -> str:
    waited = snap.waited_days
    buckets = [
        (label, sum(1 for days in waited if low <= days < high))
        for low, high, label in WAIT_BUCKETS
    ]
    buckets.append(("4 weeks or more", sum(1 for days in waited if days >= 28)))
    chart = bar_chart("Waiting mentees by how long they have waited", buckets)
    rows = "".join(
        f'<tr><td>{e(w.name)} <span class="handle">@{e(w.handle)}</span></td>'
        f"<td>{w.days} d</td><td>{'yes' if w.rematch else ''}</td></tr>"
        for w in snap.first_in_line
    )
    table = (
        "<table><caption>First in line (rematches first, then the longest waits)</caption>"
        '<thead><tr><th scope="col">Mentee</th><th scope="col">Waiting</th>'
        f'<th scope="col">Rematch</th></tr></thead><tbody>{rows}</tbody></table>'
        if waited
        else "<p>Nobody is waiting for a mentor.</p>"
    )
    return (
        '<section aria-labelledby="wait-h" class="panel"><h2 id="wait-h">Waiting mentees '
        f'<span class="count">{len(waited):,}</span></h2>{chart}{table}</section>'
    )


def _load(snap: Snapshot) -> str:
    loads = snap.mentor_loads
    buckets = [
        ("no mentee", sum(1 for m in loads if m.taken == 0)),
        ("some room", sum(1 for m in loads if 0 < m.taken < m.capacity)),
        ("full", sum(1 for m in loads if m.taken == m.capacity and m.capacity)),
        ("over capacity", sum(1 for m in loads if m.taken > m.capacity)),
    ]
    chart = bar_chart("Mentors by load against capacity", buckets, tone=["", "", "full", "over"])
    rows = "".join(
        f'<tr><td>{e(m.name)} <span class="handle">@{e(m.handle)}</span></td>'
        f'<td><meter min="0" max="{max(m.capacity, 1)}" '
        f'value="{min(m.open_pairs, max(m.capacity, 1))}"></meter> '
        f"{m.open_pairs} of {m.capacity}</td><td>{'away' if m.away else ''}</td></tr>"
        for m in snap.fullest
    )
    table = (
        '<table><caption>Fullest first</caption><thead><tr><th scope="col">Mentor</th>'
        '<th scope="col">Mentees</th><th scope="col">Away</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        if loads
        else "<p>No mentor has joined yet.</p>"
    )
    return (
        '<section aria-labelledby="load-h" class="panel"><h2 id="load-h">Mentor load '
        f'<span class="count">{len(loads):,}</span></h2>{chart}{table}</section>'
    )


# --- pair list ----------------------------------------------------------------------------

COLUMNS = (
    ("id", "Pair"),
    ("mentor", "Mentor"),
    ("mentee", "Mentee"),
    ("status", "Status"),
    ("started", "Started"),
    ("last_checkin", "Last check-in"),
    ("completion", "Completion"),
    ("risk", "Risk"),
)
STATUS_LABELS = {"all": "All pairs", "at_risk": "At risk"}


def _query(query: PairQuery, **changes: object) -> str:
    values = {
        "status": query.status,
        "sort": query.sort,
        "order": query.order,
        "q": query.search,
        "page": query.page,
    } | changes
    kept = {k: v for k, v in values.items() if v not in ("", None)}
    return "?" + urlencode(kept)


def pairs_page(viewer: Viewer, result: PairPage, flash: Flash) -> str:
    query, slug = result.query, e(viewer.program.slug)
    statuses = ("all", "at_risk", *(s.value for s in PairStatus if s.was_matched))
    status_options = "".join(
        f'<option value="{s}"{" selected" if s == query.status else ""}>'
        f"{e(STATUS_LABELS.get(s, s))}</option>"
        for s in statuses
    )
    sort_options = "".join(
        f'<option value="{key}"{" selected" if key == query.sort else ""}>{label}</option>'
        for key, label in COLUMNS
    )
    order_options = "".join(
        f'<option value="{o}"{" selected" if o == query.order else ""}>{label}</option>'
        for o, label in (("asc", "ascending"), ("desc", "descending"))
    )
    filters = (
        f'<form class="filters" method="get" action="/p/{slug}/pairs" role="search">'
        + _field(
            "f-status", "Show", f'<select id="f-status" name="status">{status_options}</select>'
        )
        + _field(
            "f-q",
            "Handle",
            f'<input id="f-q" type="search" name="q" value="{e(query.search)}" '
            'placeholder="mia" autocomplete="off">',
        )
        + _field("f-sort", "Sort by", f'<select id="f-sort" name="sort">{sort_options}</select>')
        + _field("f-order", "Order", f'<select id="f-order" name="order">{order_options}</select>')
        + '<button type="submit">Apply</button></form>'
    )
    head = "".join(_column_head(query, key, label) for key, label in COLUMNS)
    rows = "".join(_pair_row(line) for line in result.lines)
    table = (
        f'<div class="scroll"><table class="pairs"><caption>{result.total:,} pairs · page '
        f"{query.page} of {result.pages}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
        if result.lines
        else "<p>No pair matches.</p>"
    )
    body = (
        f"<h1>Pairs</h1>{flashes(flash)}"
        '<p class="hint">Status and check-in counts only: notes, answers and goals stay with '
        "the pair.</p>"
        f"{filters}{table}{_pager(query, result.pages)}"
    )
    return document(f"{viewer.program.name}: pairs", body, viewer=viewer, tab="pairs")


def _column_head(query: PairQuery, key: str, label: str) -> str:
    if key == query.sort:
        order = "desc" if query.order == "asc" else "asc"
        aria = "ascending" if query.order == "asc" else "descending"
        arrow = " ▲" if query.order == "asc" else " ▼"
        return (
            f'<th scope="col" aria-sort="{aria}"><a href="{e(_query(query, order=order, page=1))}">'
            f'{label}<span aria-hidden="true">{arrow}</span></a></th>'
        )
    return (
        f'<th scope="col"><a href="{e(_query(query, sort=key, order="asc", page=1))}">'
        f"{label}</a></th>"
    )


def _day(day: date | None) -> str:
    return day.isoformat() if day else "–"


def _pair_row(line: PairLine) -> str:
    completion = "–" if line.completion is None else f"{line.completion}%"
    return (
        f"<tr><td>#{line.pair_id}</td><td>@{e(line.mentor)}</td><td>@{e(line.mentee)}</td>"
        f'<td><span class="status {e(line.status.value)}">{e(line.status.value)}</span></td>'
        f"<td>{_day(line.started)}</td><td>{_day(line.last_checkin)}</td>"
        f'<td data-value="{"" if line.completion is None else line.completion}">{completion} '
        f'<span class="sub">{line.done}/{line.periods_due}</span></td>'
        f"<td>{e(line.risk or '')}</td></tr>"
    )


def _pager(query: PairQuery, pages: int) -> str:
    if pages <= 1:
        return ""
    prev = (
        f'<a rel="prev" href="{e(_query(query, page=query.page - 1))}">Previous</a>'
        if query.page > 1
        else '<span aria-disabled="true">Previous</span>'
    )
    nxt = (
        f'<a rel="next" href="{e(_query(query, page=query.page + 1))}">Next</a>'
        if query.page < pages
        else '<span aria-disabled="true">Next</span>'
    )
    return (
        f'<nav class="pager" aria-label="Pages">{prev}<span>Page {query.page} of {pages}</span>'
        f"{nxt}</nav>"
    )


# --- matching draft -----------------------------------------------------------------------

DRAFT_SHOWN = 200


def draft_page(viewer: Viewer, draft: DraftView | None, flash: Flash) -> str:
    program = viewer.program
    action = f"/p/{e(program.slug)}/draft"
    compute = (
        f'<form method="post" action="{action}">{csrf_field(viewer)}'
        '<input type="hidden" name="do" value="compute">'
        f'<button type="submit">{"Compute a new draft" if draft else "Compute a draft"}</button>'
        "</form>"
    )
    if program.matching is Matching.REQUEST:
        inner = (
            f"<p>In {e(program.name)} mentees choose their mentors, so there are no drafts. "
            "To pair people yourself, set <em>matching</em> to <em>suggest</em> on the "
            f'<a href="/p/{e(program.slug)}/settings">settings</a> page.</p>'
        )
    elif draft is None:
        inner = (
            "<p>No open draft. A draft pairs everyone waiting; nobody hears of it until you "
            f"publish it.</p>{compute}"
        )
    else:
        inner = _draft(viewer, draft, action) + compute
    body = f"<h1>Matching draft</h1>{flashes(flash)}{inner}"
    return document(f"{program.name}: matching draft", body, viewer=viewer, tab="draft")


def _draft(viewer: Viewer, draft: DraftView, action: str) -> str:
    locked = sum(1 for p in draft.pairs if p.locked)
    scores = [p.score for p in draft.pairs]
    mean = sum(scores) / len(scores) if scores else 0.0
    cards = _cards(
        [
            ("Draft", f"#{draft.number}", "stable" if draft.stable else "best total score"),
            ("Pairs", f"{len(draft.pairs):,}", f"{locked} locked"),
            ("Left waiting", f"{len(draft.waiting):,}", "told why when you publish"),
            ("Score", f"{mean:.2f}", f"lowest {min(scores):.2f}" if scores else "-"),
        ]
    )
    rows = "".join(_draft_row(viewer, action, p) for p in draft.pairs[:DRAFT_SHOWN])
    more = (
        f"<p>The {len(draft.pairs) - DRAFT_SHOWN:,} strongest pairs are not listed: "
        "`match … csv` in chat has them all.</p>"
        if len(draft.pairs) > DRAFT_SHOWN
        else ""
    )
    pairs = (
        '<div class="scroll"><table><caption>Proposed pairs, weakest first</caption><thead><tr>'
        '<th scope="col">Mentee</th><th scope="col">Mentor</th><th scope="col">Score</th>'
        '<th scope="col">Why they fit</th><th scope="col">Lock</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>{more}"
    )
    waiting_rows = "".join(
        f'<tr><td>{e(w.mentee)} <span class="handle">@{e(w.mentee_handle)}</span></td>'
        f"<td>{e(w.waiting_because)}</td></tr>"
        for w in draft.waiting[:DRAFT_SHOWN]
    )
    waiting = (
        '<table><caption>Left waiting</caption><thead><tr><th scope="col">Mentee</th>'
        f'<th scope="col">Why</th></tr></thead><tbody>{waiting_rows}</tbody></table>'
        if draft.waiting
        else ""
    )
    mentees = '<option value="">Choose a mentee</option>' + "".join(
        f'<option value="{e(p.mentee_handle)}">{e(p.mentee)} (@{e(p.mentee_handle)}), now with '
        f"{e(p.mentor)}</option>"
        for p in [*draft.pairs, *draft.waiting]
    )
    others = "".join(
        f'<option value="{e(p.mentee_handle)}">{e(p.mentee)} (@{e(p.mentee_handle)}): take '
        f"{e(p.mentor or 'no mentor')}</option>"
        for p in draft.pairs
    )
    free = "".join(
        f'<option value="{e(handle)}">{e(name)} (@{e(handle)}): {left} free</option>'
        for name, handle, left in draft.free_mentors
    )
    swap = (
        f'<form class="swap" method="post" action="{action}">{csrf_field(viewer)}'
        '<input type="hidden" name="do" value="swap"><fieldset><legend>Swap</legend>'
        + _field(
            "swap-mentee",
            "Mentee",
            f'<select id="swap-mentee" name="mentee" required>{mentees}</select>',
        )
        + _field(
            "swap-other",
            "With",
            '<select id="swap-other" name="other" required>'
            '<option value="">Choose another mentee or a mentor</option>'
            f'<optgroup label="Swap mentors with this mentee">{others}</optgroup>'
            f'<optgroup label="Give to a mentor with a free place">{free}</optgroup></select>',
        )
        + '<button type="submit">Swap</button></fieldset></form>'
    )
    publish = (
        f'<form class="publish" method="post" action="{action}">{csrf_field(viewer)}'
        '<input type="hidden" name="do" value="publish">'
        f'<button class="primary" type="submit">Publish draft {draft.number}: introduce '
        f"{len(draft.pairs):,} pairs</button></form>"
    )
    return (
        f'{cards}<p class="hint">Nobody has been told anything yet. Swap or lock pairs, '
        f"then publish: each pair is introduced with why they were matched.</p>"
        f"{swap}{pairs}{waiting}{publish}"
    )


def _draft_row(viewer: Viewer, action: str, p: DraftLine) -> str:
    verb = "unlock" if p.locked else "lock"
    lock = (
        f'<form method="post" action="{action}">{csrf_field(viewer)}'
        f'<input type="hidden" name="do" value="{verb}">'
        f'<input type="hidden" name="mentee" value="{e(p.mentee_handle)}">'
        f'<button type="submit" aria-label="{verb.title()} {e(p.mentee)}\'s pair">'
        f"{'Locked · unlock' if p.locked else 'Lock'}</button></form>"
    )
    return (
        f'<tr><td>{e(p.mentee)} <span class="handle">@{e(p.mentee_handle)}</span></td>'
        f'<td>{e(p.mentor)} <span class="handle">@{e(p.mentor_handle)}</span></td>'
        f"<td>{p.score:.2f}</td><td>{e('; '.join(p.reasons))}</td><td>{lock}</td></tr>"
    )


# --- settings -----------------------------------------------------------------------------


def settings_page(
    viewer: Viewer,
    settings: list[SettingView],
    recent: list[tuple[AuditEntry, str]],
    flash: Flash,
) -> str:
    slug = e(viewer.program.slug)
    rows = "".join(
        f'<tr><th scope="row"><label for="set-{e(s.name)}">{e(s.name)}</label></th>'
        f'<td><form class="setting" method="post" action="/p/{slug}/settings">'
        f'{csrf_field(viewer)}<input type="hidden" name="field" value="{e(s.name)}">'
        f'<input id="set-{e(s.name)}" name="value" value="{e(s.value)}" '
        f'aria-describedby="help-{e(s.name)}"><button type="submit">Save</button></form>'
        f'<p class="sub" id="help-{e(s.name)}">{e(s.help)}</p></td></tr>'
        for s in settings
    )
    audit = "".join(
        f"<tr><td>{entry.at:%Y-%m-%d %H:%M}</td><td>{e(who)}</td>"
        f"<td>{e(entry.action)}</td><td>{e(entry.outcome)}</td></tr>"
        for entry, who in recent
    )
    body = (
        f"<h1>Settings</h1>{flashes(flash)}"
        f'<p class="hint">The same settings as <code>configure {slug} …</code> in chat, with '
        f'the same checks. <a href="/p/{slug}/export.csv">Download the pairs as CSV</a> '
        "(status and check-in completion only).</p>"
        f'<div class="scroll"><table class="settings"><tbody>{rows}</tbody></table></div>'
        '<section aria-labelledby="audit-h"><h2 id="audit-h">Recent dashboard actions</h2>'
        '<table><thead><tr><th scope="col">When (UTC)</th><th scope="col">Who</th>'
        f'<th scope="col">What</th><th scope="col">Result</th></tr></thead><tbody>{audit}'
        "</tbody></table></section>"
    )
    return document(f"{viewer.program.name}: settings", body, viewer=viewer, tab="settings")
