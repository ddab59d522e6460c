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
from adapters.web.words import e, language, shown
from core.dashboard.records import AuditEntry
from core.dashboard.service import DraftLine, DraftView, SettingView, Viewer
from core.dashboard.views import (
    SHOWN_RISKS,
    PairLine,
    PairPage,
    PairQuery,
    Snapshot,
    status_shown,
)
from core.i18n import N_, _, day, n_, number, p_, said
from core.messages import MomentStyle, moment
from core.model import Matching, PairStatus

Flash = Sequence[tuple[str, bool]]  # (text, is_error)
TABS = (
    ("", N_("Overview")),
    ("pairs", N_("Pairs")),
    ("draft", N_("Matching draft")),
    ("settings", N_("Settings")),
)


def document(title: str, body: str, *, viewer: Viewer | None = None, tab: str = "") -> str:
    nav = _nav(viewer, tab) if viewer else ""
    return (
        f'<!doctype html>\n<html lang="{e(language())}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} · mentorhub</title>"
        '<link rel="stylesheet" href="/static/dashboard.css"></head><body>'
        f'<a class="skip" href="#main">{e(_("Skip to content"))}</a>'
        # Translators: under the name mentorhub in the page header
        f'<header class="top"><p class="brand">mentorhub <span>{e(_("dashboard"))}</span></p>'
        f"{nav}</header>"
        f'<main id="main" tabindex="-1">{body}</main></body></html>'
    )


def _nav(viewer: Viewer, tab: str) -> str:
    base = f"/p/{e(viewer.program.slug)}/"
    current = ' aria-current="page"'
    links = "".join(
        f'<li><a href="{base}{path}"{current if path == tab else ""}>{e(said(label))}</a></li>'
        for path, label in TABS
    )
    return (
        f'<nav aria-label="{e(_("Dashboard"))}"><ul>{links}</ul></nav>'
        f'<form class="signout" method="post" action="/signout">{csrf_field(viewer)}'
        f'<span class="who">{e(viewer.name)}</span> '
        f'<button type="submit">{e(_("Sign out"))}</button></form>'
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
    written = shown(text)  # translated first, then escaped
    lines = [CODE.sub(CODE_HTML, escape(line)) for line in written.splitlines() if line.strip()]
    return "".join(f"<p>{line}</p>" for line in lines)


def message_page(title: str, text: str, *, action: str = "") -> str:
    return document(title, f"<h1>{e(title)}</h1>{_paragraphs(text)}{action}")


def signin_page(token_path: str, program_name: str) -> str:
    body = (
        f"<h1>{e(_('Sign in to the dashboard of {program}', program=program_name))}</h1>"
        f"<p>{e(_('This link came to you in chat. It works once: signing in uses it up.'))}</p>"
        f'<form method="post" action="{e(token_path)}">'
        f'<button class="primary" type="submit">{e(_("Sign in"))}</button></form>'
    )
    return document(_("Sign in"), body)


def home_page() -> str:
    return message_page(
        _("mentorhub dashboard"),
        _(
            "To sign in, send `dashboard <program>` to the mentorhub bot in a private chat: it "
            "answers with a link that works once, for 10 minutes."
        ),
    )


# --- overview -----------------------------------------------------------------------------


def overview_page(viewer: Viewer, snap: Snapshot, flash: Flash) -> str:
    program = snap.program
    by_state = [(s, snap.pairs_by_state.get(s, 0)) for s in PairStatus]
    shown_states = [(status_shown(s), s.value, n) for s, n in by_state if n] or [
        (_("none yet"), "", 0)
    ]
    matched = sum(n for s, n in snap.pairs_by_state.items() if s.was_matched)
    capacity, taken = snap.capacity, snap.places_taken
    this_period = (
        _(
            "{answered} of {expected} ({percent}%)",
            answered=number(snap.answered),
            expected=number(snap.expected),
            percent=round(100 * snap.answered / snap.expected),
        )
        if snap.expected
        else _("no active pairs")
    )
    cards = _cards(
        [
            (
                _("Pairs"),
                number(matched),
                ", ".join(f"{label} {number(n)}" for label, _value, n in shown_states),
            ),
            (_("Check-in answers this period"), this_period, _("two per active pair")),
            (_("At risk"), number(len(snap.at_risk)), _("missed check-ins or long silence")),
            (_("Waiting mentees"), number(len(snap.waited_days)), _longest_wait(snap)),
            (
                _("Mentor places taken"),
                _("{taken} of {capacity}", taken=number(taken), capacity=number(capacity)),
                n_("{count} mentor", "{count} mentors", len(snap.mentor_loads)),
            ),
        ]
    )
    slug = e(program.slug)
    read_at = _("Read at {when}", when=moment(snap.taken_at, MomentStyle.TIME))
    body = (
        f"<h1>{e(program.name)}</h1>"
        f'<p class="meta">{e(read_at)} · '
        f'<a href="/p/{slug}/export.csv">{e(_("Download CSV"))}</a></p>'
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
        return _("nobody is waiting")
    longest = max(snap.waited_days)
    return n_("longest {count} day", "longest {count} days", longest)


def _percent(value: int | None) -> str:
    return "–" if value is None else f"{value}%"


def _trend(snap: Snapshot) -> str:
    items = [(day(w.week, short=True), w.completion) for w in snap.weeks]
    notes = [
        _(
            "{done} done, {partial} partial, {missed} missed",
            done=number(w.done),
            partial=number(w.partial),
            missed=number(w.missed),
        )
        for w in snap.weeks
    ]
    title = _("Check-in completion by week")
    chart = column_chart(title, items, note=notes, unit="%", top=100)
    rows = "".join(
        f'<tr><th scope="row">{e(day(w.week))}</th><td>{e(number(w.done))}</td>'
        f"<td>{e(number(w.partial))}</td><td>{e(number(w.missed))}</td>"
        f"<td>{_percent(w.completion)}</td></tr>"
        for w in snap.weeks
    )
    caption = _("Check-in periods that closed each week (a partial check-in counts half)")
    table = (
        f"<details><summary>{e(_('The numbers'))}</summary><table><caption>{e(caption)}"
        f'</caption><thead><tr><th scope="col">{e(_("Week of"))}</th>'
        f'<th scope="col">{e(_("Done"))}</th><th scope="col">{e(_("Partial"))}</th>'
        f'<th scope="col">{e(_("Missed"))}</th><th scope="col">{e(_("Completion"))}</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></details>"
    )
    hint = _("Periods that closed each week, the last 12 weeks: done counts whole, partial half.")
    return (
        f'<section aria-labelledby="trend-h" class="panel wide"><h2 id="trend-h">{e(title)}'
        f'</h2><p class="hint">{e(hint)}</p>{chart}{table}</section>'
    )


def _states(states: list[tuple[str, str, int]]) -> str:
    title = _("Pairs by state")
    chart = bar_chart(
        title, [(label, n) for label, _value, n in states], tone=[v for _l, v, _n in states]
    )
    rows = "".join(
        f'<tr><th scope="row">{e(label)}</th><td>{e(number(n))}</td></tr>'
        for label, _value, n in states
    )
    return (
        f'<section aria-labelledby="states-h" class="panel"><h2 id="states-h">{e(title)}</h2>'
        f"{chart}<details><summary>{e(_('The numbers'))}</summary><table><thead><tr>"
        f'<th scope="col">{e(_("State"))}</th><th scope="col">{e(_("Pairs"))}</th></tr>'
        f"</thead><tbody>{rows}</tbody></table></details></section>"
    )


def _risks(snap: Snapshot) -> str:
    slug = e(snap.program.slug)
    if not snap.at_risk:
        inner = f"<p>{e(_('No pair is at risk.'))}</p>"
    else:
        rows = "".join(
            f"<tr><td>#{line.pair_id}</td><td>@{e(line.mentor)}</td><td>@{e(line.mentee)}</td>"
            f"<td>{e(status_shown(line.status))}</td><td>{e(line.risk)}</td></tr>"
            for line in snap.at_risk[:SHOWN_RISKS]
        )
        everyone = n_("All {count} pair at risk", "All {count} pairs at risk", len(snap.at_risk))
        more = (
            f'<p><a href="/p/{slug}/pairs?status=at_risk&amp;sort=risk&amp;order=desc">'
            f"{e(everyone)}</a></p>"
        )
        inner = (
            f'<div class="scroll bare"><table><caption>{e(_("Most urgent first"))}</caption>'
            f'<thead><tr><th scope="col">{e(_("Pair"))}</th>'
            f'<th scope="col">{e(_("Mentor"))}</th><th scope="col">{e(_("Mentee"))}</th>'
            f'<th scope="col">{e(_("Status"))}</th><th scope="col">{e(_("Why"))}</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></div>{more}"
        )
    return (
        f'<section aria-labelledby="risk-h" class="panel wide"><h2 id="risk-h">'
        f"{e(_('At risk'))} "
        f'<span class="count">{e(number(len(snap.at_risk)))}</span></h2>{inner}</section>'
    )


WAIT_BUCKETS = (
    (0, 7, N_("under a week")),
    (7, 14, N_("1–2 weeks")),
    (14, 28, N_("2–4 weeks")),
)


def _waiting(snap: Snapshot) -> str:
    waited = snap.waited_days
    buckets = [
        (said(label), sum(1 for days in waited if low <= days < high))
        for low, high, label in WAIT_BUCKETS
    ]
    buckets.append((_("4 weeks or more"), sum(1 for days in waited if days >= 28)))
    chart = bar_chart(_("Waiting mentees by how long they have waited"), buckets)
    rows = "".join(
        f'<tr><td>{e(w.name)} <span class="handle">@{e(w.handle)}</span></td>'
        # Translators: how long a mentee has waited, short, in a table cell
        f"<td>{e(n_('{count} d', '{count} d', w.days))}</td>"
        f"<td>{e(_('yes')) if w.rematch else ''}</td></tr>"
        for w in snap.first_in_line
    )
    caption = _("First in line (rematches first, then the longest waits)")
    table = (
        f"<table><caption>{e(caption)}</caption>"
        f'<thead><tr><th scope="col">{e(_("Mentee"))}</th>'
        f'<th scope="col">{e(_("Waiting"))}</th><th scope="col">{e(_("Rematch"))}</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
        if waited
        else f"<p>{e(_('Nobody is waiting for a mentor.'))}</p>"
    )
    return (
        f'<section aria-labelledby="wait-h" class="panel"><h2 id="wait-h">'
        f"{e(_('Waiting mentees'))} "
        f'<span class="count">{e(number(len(waited)))}</span></h2>{chart}{table}</section>'
    )


def _load(snap: Snapshot) -> str:
    loads = snap.mentor_loads
    buckets = [
        (_("no mentee"), sum(1 for m in loads if m.taken == 0)),
        (_("some room"), sum(1 for m in loads if 0 < m.taken < m.capacity)),
        # Translators: a mentor with no free place
        (p_("mentor load", "full"), sum(1 for m in loads if m.taken == m.capacity and m.capacity)),
        (_("over capacity"), sum(1 for m in loads if m.taken > m.capacity)),
    ]
    chart = bar_chart(_("Mentors by load against capacity"), buckets, tone=["", "", "full", "over"])
    rows = "".join(
        f'<tr><td>{e(m.name)} <span class="handle">@{e(m.handle)}</span></td>'
        f'<td><meter min="0" max="{max(m.capacity, 1)}" '
        f'value="{min(m.open_pairs, max(m.capacity, 1))}"></meter> '
        f"{e(_('{taken} of {capacity}', taken=number(m.open_pairs), capacity=number(m.capacity)))}"
        # Translators: a mentor who paused taking mentees
        f"</td><td>{e(p_('mentor', 'away')) if m.away else ''}</td></tr>"
        for m in snap.fullest
    )
    table = (
        f"<table><caption>{e(_('Fullest first'))}</caption><thead><tr>"
        f'<th scope="col">{e(_("Mentor"))}</th><th scope="col">{e(_("Mentees"))}</th>'
        f'<th scope="col">{e(_("Away"))}</th></tr></thead><tbody>{rows}</tbody></table>'
        if loads
        else f"<p>{e(_('No mentor has joined yet.'))}</p>"
    )
    return (
        f'<section aria-labelledby="load-h" class="panel"><h2 id="load-h">'
        f"{e(_('Mentor load'))} "
        f'<span class="count">{e(number(len(loads)))}</span></h2>{chart}{table}</section>'
    )


# --- pair list ----------------------------------------------------------------------------

COLUMNS = (
    # Translators: column headings of the pair list (and what it can be sorted by)
    ("id", N_("Pair")),
    ("mentor", N_("Mentor")),
    ("mentee", N_("Mentee")),
    ("status", N_("Status")),
    ("started", N_("Started")),
    ("last_checkin", N_("Last check-in")),
    ("completion", N_("Completion")),
    ("risk", N_("Risk")),
)
STATUS_LABELS = {"all": N_("All pairs"), "at_risk": N_("At risk")}


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


def _status_label(status: str) -> str:
    if status in STATUS_LABELS:
        return said(STATUS_LABELS[status])
    return status_shown(PairStatus(status))


def pairs_page(viewer: Viewer, result: PairPage, flash: Flash) -> str:
    query, slug = result.query, e(viewer.program.slug)
    statuses = ("all", "at_risk", *(s.value for s in PairStatus if s.was_matched))
    status_options = "".join(
        f'<option value="{s}"{" selected" if s == query.status else ""}>'
        f"{e(_status_label(s))}</option>"
        for s in statuses
    )
    sort_options = "".join(
        f'<option value="{key}"{" selected" if key == query.sort else ""}>{e(said(label))}</option>'
        for key, label in COLUMNS
    )
    orders = (("asc", _("ascending")), ("desc", _("descending")))
    order_options = "".join(
        f'<option value="{o}"{" selected" if o == query.order else ""}>{e(label)}</option>'
        for o, label in orders
    )
    filters = (
        f'<form class="filters" method="get" action="/p/{slug}/pairs" role="search">'
        + _field(
            "f-status", _("Show"), f'<select id="f-status" name="status">{status_options}</select>'
        )
        + _field(
            "f-q",
            _("Handle"),
            f'<input id="f-q" type="search" name="q" value="{e(query.search)}" '
            'placeholder="mia" autocomplete="off">',
        )
        + _field("f-sort", _("Sort by"), f'<select id="f-sort" name="sort">{sort_options}</select>')
        + _field(
            "f-order", _("Order"), f'<select id="f-order" name="order">{order_options}</select>'
        )
        + f'<button type="submit">{e(_("Apply"))}</button></form>'
    )
    head = "".join(_column_head(query, key, label) for key, label in COLUMNS)
    rows = "".join(_pair_row(line) for line in result.lines)
    caption = n_(
        "{count} pair · page {page} of {pages}",
        "{count} pairs · page {page} of {pages}",
        result.total,
        page=number(query.page),
        pages=number(result.pages),
    )
    table = (
        f'<div class="scroll"><table class="pairs"><caption>{e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        if result.lines
        else f"<p>{e(_('No pair matches.'))}</p>"
    )
    hint = _("Status and check-in counts only: notes, answers and goals stay with the pair.")
    body = (
        f"<h1>{e(_('Pairs'))}</h1>{flashes(flash)}"
        f'<p class="hint">{e(hint)}</p>'
        f"{filters}{table}{_pager(query, result.pages)}"
    )
    title = _("{program}: pairs", program=viewer.program.name)
    return document(title, body, viewer=viewer, tab="pairs")


def _column_head(query: PairQuery, key: str, label: str) -> str:
    if key == query.sort:
        order = "desc" if query.order == "asc" else "asc"
        aria = "ascending" if query.order == "asc" else "descending"  # ARIA's own words
        arrow = " ▲" if query.order == "asc" else " ▼"
        return (
            f'<th scope="col" aria-sort="{aria}"><a href="{e(_query(query, order=order, page=1))}">'
            f'{e(said(label))}<span aria-hidden="true">{arrow}</span></a></th>'
        )
    return (
        f'<th scope="col"><a href="{e(_query(query, sort=key, order="asc", page=1))}">'
        f"{e(said(label))}</a></th>"
    )


def _day(value: date | None) -> str:
    return e(day(value)) if value else "–"


def _pair_row(line: PairLine) -> str:
    return (
        f"<tr><td>#{line.pair_id}</td><td>@{e(line.mentor)}</td><td>@{e(line.mentee)}</td>"
        f'<td><span class="status {e(line.status.value)}">{e(status_shown(line.status))}'
        f"</span></td><td>{_day(line.started)}</td><td>{_day(line.last_checkin)}</td>"
        f'<td data-value="{"" if line.completion is None else line.completion}">'
        f"{_percent(line.completion)} "
        f'<span class="sub">{line.done}/{line.periods_due}</span></td>'
        f"<td>{e(line.risk or '')}</td></tr>"
    )


def _pager(query: PairQuery, pages: int) -> str:
    if pages <= 1:
        return ""
    previous, following = e(_("Previous")), e(_("Next"))
    prev = (
        f'<a rel="prev" href="{e(_query(query, page=query.page - 1))}">{previous}</a>'
        if query.page > 1
        else f'<span aria-disabled="true">{previous}</span>'
    )
    nxt = (
        f'<a rel="next" href="{e(_query(query, page=query.page + 1))}">{following}</a>'
        if query.page < pages
        else f'<span aria-disabled="true">{following}</span>'
    )
    where = _("Page {page} of {pages}", page=number(query.page), pages=number(pages))
    return (
        f'<nav class="pager" aria-label="{e(_("Pages"))}">{prev}<span>{e(where)}</span>{nxt}</nav>'
    )


# --- matching draft -----------------------------------------------------------------------

DRAFT_SHOWN = 200


def _marked(message: str, **markup: str) -> str:
    """A message escaped, then its ``{placeholders}`` left for markup filled with our own
    markup (links, emphasis) after escaping."""
    html = e(message)
    for name, value in markup.items():
        html = html.replace("{" + name + "}", value)
    return html


def draft_page(viewer: Viewer, draft: DraftView | None, flash: Flash) -> str:
    program = viewer.program
    action = f"/p/{e(program.slug)}/draft"
    compute_label = _("Compute a new draft") if draft else _("Compute a draft")
    compute = (
        f'<form method="post" action="{action}">{csrf_field(viewer)}'
        '<input type="hidden" name="do" value="compute">'
        f'<button type="submit">{e(compute_label)}</button>'
        "</form>"
    )
    if program.matching is Matching.REQUEST:
        link = f'<a href="/p/{e(program.slug)}/settings">{e(_("settings"))}</a>'
        # Translators: {matching} and {suggest} are a setting and its value, as typed;
        # {settings} is a link to the settings page
        request_only = _(
            "In {program} mentees choose their mentors, so there are no drafts. To pair "
            "people yourself, set {matching} to {suggest} on the {settings} page.",
            program=program.name,
        )
        inner = "<p>" + _marked(
            request_only,
            matching="<em>matching</em>",
            suggest="<em>suggest</em>",
            settings=link,
        )
        inner += "</p>"
    elif draft is None:
        none_yet = _(
            "No open draft. A draft pairs everyone waiting; nobody hears of it until you "
            "publish it."
        )
        inner = f"<p>{e(none_yet)}</p>{compute}"
    else:
        inner = _draft(viewer, draft, action) + compute
    body = f"<h1>{e(_('Matching draft'))}</h1>{flashes(flash)}{inner}"
    title = _("{program}: matching draft", program=program.name)
    return document(title, body, viewer=viewer, tab="draft")


def _draft(viewer: Viewer, draft: DraftView, action: str) -> str:
    locked = sum(1 for p in draft.pairs if p.locked)
    scores = [p.score for p in draft.pairs]
    mean = sum(scores) / len(scores) if scores else 0.0
    weakest = f"{min(scores):.2f}" if scores else ""
    lowest = _("lowest {score}", score=weakest) if scores else "-"
    cards = _cards(
        [
            (
                _("Draft"),
                f"#{draft.number}",
                _("stable") if draft.stable else _("best total score"),
            ),
            (_("Pairs"), number(len(draft.pairs)), n_("{count} locked", "{count} locked", locked)),
            (_("Left waiting"), number(len(draft.waiting)), _("told why when you publish")),
            (_("Score"), f"{mean:.2f}", lowest),
        ]
    )
    rows = "".join(_draft_row(viewer, action, p) for p in draft.pairs[:DRAFT_SHOWN])
    unlisted = len(draft.pairs) - DRAFT_SHOWN
    more = (
        "<p>"
        + _paragraph_code(
            n_(
                "The {count} strongest pair is not listed: `match … csv` in chat has them all.",
                "The {count} strongest pairs are not listed: `match … csv` in chat has them all.",
                unlisted,
            )
        )
        + "</p>"
        if unlisted > 0
        else ""
    )
    pairs = (
        f'<div class="scroll"><table><caption>{e(_("Proposed pairs, weakest first"))}</caption>'
        f'<thead><tr><th scope="col">{e(_("Mentee"))}</th><th scope="col">{e(_("Mentor"))}</th>'
        f'<th scope="col">{e(_("Score"))}</th><th scope="col">{e(_("Why they fit"))}</th>'
        f'<th scope="col">{e(_("Lock"))}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>{more}"
    )
    waiting_rows = "".join(
        f'<tr><td>{e(w.mentee)} <span class="handle">@{e(w.mentee_handle)}</span></td>'
        f"<td>{e(w.waiting_because)}</td></tr>"
        for w in draft.waiting[:DRAFT_SHOWN]
    )
    waiting = (
        f"<table><caption>{e(_('Left waiting'))}</caption><thead><tr>"
        f'<th scope="col">{e(_("Mentee"))}</th><th scope="col">{e(_("Why"))}</th></tr></thead>'
        f"<tbody>{waiting_rows}</tbody></table>"
        if draft.waiting
        else ""
    )
    mentees = f'<option value="">{e(_("Choose a mentee"))}</option>' + "".join(
        f'<option value="{e(p.mentee_handle)}">' + e(_mentee_option(p)) + "</option>"
        for p in [*draft.pairs, *draft.waiting]
    )
    others = "".join(
        f'<option value="{e(p.mentee_handle)}">'
        + e(
            _(
                "{mentee} (@{handle}): take {mentor}",
                mentee=p.mentee,
                handle=p.mentee_handle,
                mentor=p.mentor or _("no mentor"),
            )
        )
        + "</option>"
        for p in draft.pairs
    )
    free = "".join(
        f'<option value="{e(handle)}">'
        + e(
            n_(
                "{mentor} (@{handle}): {count} free",
                "{mentor} (@{handle}): {count} free",
                left,
                mentor=name,
                handle=handle,
            )
        )
        + "</option>"
        for name, handle, left in draft.free_mentors
    )
    swap_label = e(p_("button", "Swap"))
    swap = (
        f'<form class="swap" method="post" action="{action}">{csrf_field(viewer)}'
        f'<input type="hidden" name="do" value="swap"><fieldset><legend>{swap_label}</legend>'
        + _field(
            "swap-mentee",
            _("Mentee"),
            f'<select id="swap-mentee" name="mentee" required>{mentees}</select>',
        )
        + _field(
            "swap-other",
            # Translators: swap a mentee with (another mentee or a mentor)
            _("With"),
            '<select id="swap-other" name="other" required>'
            f'<option value="">{e(_("Choose another mentee or a mentor"))}</option>'
            f'<optgroup label="{e(_("Swap mentors with this mentee"))}">{others}</optgroup>'
            f'<optgroup label="{e(_("Give to a mentor with a free place"))}">{free}</optgroup>'
            "</select>",
        )
        + f'<button type="submit">{swap_label}</button></fieldset></form>'
    )
    publish_label = n_(
        "Publish draft {number}: introduce {count} pair",
        "Publish draft {number}: introduce {count} pairs",
        len(draft.pairs),
        number=draft.number,
    )
    publish = (
        f'<form class="publish" method="post" action="{action}">{csrf_field(viewer)}'
        '<input type="hidden" name="do" value="publish">'
        f'<button class="primary" type="submit">{e(publish_label)}</button></form>'
    )
    hint = _(
        "Nobody has been told anything yet. Swap or lock pairs, then publish: each pair is "
        "introduced with why they were matched."
    )
    return f'{cards}<p class="hint">{e(hint)}</p>{swap}{pairs}{waiting}{publish}'


def _mentee_option(p: DraftLine) -> str:
    if p.mentor:
        return _(
            "{mentee} (@{handle}), now with {mentor}",
            mentee=p.mentee,
            handle=p.mentee_handle,
            mentor=p.mentor,
        )
    return _("{mentee} (@{handle}), now waiting", mentee=p.mentee, handle=p.mentee_handle)


def _paragraph_code(text: str) -> str:
    """One message escaped, its `commands` shown as code."""
    return CODE.sub(CODE_HTML, e(text))


def _draft_row(viewer: Viewer, action: str, p: DraftLine) -> str:
    verb = "unlock" if p.locked else "lock"
    aria = (
        _("Unlock {mentee}'s pair", mentee=p.mentee)
        if p.locked
        else _("Lock {mentee}'s pair", mentee=p.mentee)
    )
    # Translators: a button in the draft table; "Lock" is the verb
    label = _("Locked · unlock") if p.locked else p_("button", "Lock")
    lock = (
        f'<form method="post" action="{action}">{csrf_field(viewer)}'
        f'<input type="hidden" name="do" value="{verb}">'
        f'<input type="hidden" name="mentee" value="{e(p.mentee_handle)}">'
        f'<button type="submit" aria-label="{e(aria)}">{e(label)}</button></form>'
    )
    reasons = "; ".join(shown(reason) for reason in p.reasons)
    return (
        f'<tr><td>{e(p.mentee)} <span class="handle">@{e(p.mentee_handle)}</span></td>'
        f'<td>{e(p.mentor)} <span class="handle">@{e(p.mentor_handle)}</span></td>'
        f"<td>{p.score:.2f}</td><td>{e(reasons)}</td><td>{lock}</td></tr>"
    )


# --- settings -----------------------------------------------------------------------------

# The audit log's actions as stored, each a message for the settings page (the stored
# value stays as it is: tests and queries compare it).
ACTION_NAMES = {
    # Translators: dashboard actions in the audit table, short; "draft" is a matching draft
    "sign in": N_("sign in"),
    "sign out": N_("sign out"),
    "draft compute": N_("draft compute"),
    "draft swap": N_("draft swap"),
    "draft lock": N_("draft lock"),
    "draft unlock": N_("draft unlock"),
    "draft drop": N_("draft drop"),
    "draft publish": N_("draft publish"),
    "export": N_("export"),
}
OUTCOME_NAMES = {"ok": N_("ok"), "refused": N_("refused")}


def _action_name(action: str) -> str:
    if action in ACTION_NAMES:
        return said(ACTION_NAMES[action])
    field = action.removeprefix("configure ")
    if field != action:
        # Translators: a setting changed in the dashboard; {setting} is its name as typed
        return _("configure {setting}", setting=field)
    return action


def _setting_help(detail: str) -> str:
    """What to type for a setting: its `help configure` line after the name (translated
    first, so each language keeps its own line whole)."""
    line = shown(said(detail))
    return line.partition(": ")[2] or line


def settings_page(
    viewer: Viewer,
    settings: list[SettingView],
    recent: list[tuple[AuditEntry, str]],
    flash: Flash,
) -> str:
    slug = e(viewer.program.slug)
    save = e(_("Save"))
    rows = "".join(
        f'<tr><th scope="row"><label for="set-{e(s.name)}">{e(s.name)}</label></th>'
        f'<td><form class="setting" method="post" action="/p/{slug}/settings">'
        f'{csrf_field(viewer)}<input type="hidden" name="field" value="{e(s.name)}">'
        f'<input id="set-{e(s.name)}" name="value" value="{e(s.value)}" '
        f'aria-describedby="help-{e(s.name)}"><button type="submit">{save}</button></form>'
        f'<p class="sub" id="help-{e(s.name)}">{e(_setting_help(s.help))}</p></td></tr>'
        for s in settings
    )
    audit = "".join(
        f"<tr><td>{e(moment(entry.at, MomentStyle.TIME))}</td><td>{e(who)}</td>"
        f"<td>{e(_action_name(entry.action))}</td>"
        f"<td>{e(said(OUTCOME_NAMES.get(entry.outcome, entry.outcome)))}</td></tr>"
        for entry, who in recent
    )
    hint = _(
        "The same settings as {configure} in chat, with the same checks. {download} "
        "(status and check-in completion only).",
    )
    download = f'<a href="/p/{slug}/export.csv">{e(_("Download the pairs as CSV"))}</a>'
    body = (
        f"<h1>{e(_('Settings'))}</h1>{flashes(flash)}"
        '<p class="hint">'
        + _marked(hint, configure=f"<code>configure {slug} …</code>", download=download)
        + "</p>"
        f'<div class="scroll"><table class="settings"><tbody>{rows}</tbody></table></div>'
        f'<section aria-labelledby="audit-h"><h2 id="audit-h">'
        f"{e(_('Recent dashboard actions'))}</h2>"
        f'<table><thead><tr><th scope="col">{e(_("When"))}</th><th scope="col">{e(_("Who"))}'
        f'</th><th scope="col">{e(_("What"))}</th><th scope="col">{e(_("Result"))}</th>'
        f"</tr></thead><tbody>{audit}</tbody></table></section>"
    )
    title = _("{program}: settings", program=viewer.program.name)
    return document(title, body, viewer=viewer, tab="settings")
