"""Charts as inline SVG, drawn here: no chart library, no script, nothing fetched.

Each chart is an image with a title and a description for screen readers
(``role="img"`` labelled by both); the page puts the same numbers in a table beside it.
Every bar carries its number as ``data-value`` and in a ``<title>`` (a tooltip).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from adapters.web.words import e as escape
from core.i18n import _, number

_ids = count(1)

WIDTH = 640
BAR_HEIGHT = 26
GAP = 8
LABEL_WIDTH = 150


def _frame(title: str, desc: str, width: int, height: int, body: str) -> str:
    n = next(_ids)
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart{n}-title chart{n}-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="chart{n}-title">{escape(title)}</title>'
        f'<desc id="chart{n}-desc">{escape(desc)}</desc>{body}</svg>'
    )


def bar_chart(
    title: str,
    items: Sequence[tuple[str, int]],
    *,
    tone: Sequence[str] = (),
) -> str:
    """Horizontal bars, one a row: counts by category. ``tone`` names a CSS class per bar."""
    top = max((value for _unused, value in items), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 60
    rows = []
    for index, (label, value) in enumerate(items):
        y = index * (BAR_HEIGHT + GAP)
        width = round(room * value / top) if value else 0
        kind = tone[index] if index < len(tone) else ""
        rows.append(
            f'<g class="row"><text class="label" x="{LABEL_WIDTH - 8}" y="{y + 18}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar {escape(kind)}" x="{LABEL_WIDTH}" y="{y}" width="{max(width, 1)}" '
            f'height="{BAR_HEIGHT}" rx="3" data-value="{value}">'
            f"<title>{escape(label)}: {escape(number(value))}</title></rect>"
            f'<text class="value" x="{LABEL_WIDTH + max(width, 1) + 6}" y="{y + 18}">'
            f"{escape(number(value))}</text></g>"
        )
    height = max(1, len(items)) * (BAR_HEIGHT + GAP)
    desc = "; ".join(f"{label}: {number(value)}" for label, value in items) or _("No data yet.")
    return _frame(title, desc, WIDTH, height, "".join(rows))


def column_chart(
    title: str,
    items: Sequence[tuple[str, int | None]],
    *,
    unit: str = "%",
    top: int = 100,
    note: Sequence[str] = (),
) -> str:
    """Vertical columns over time (oldest left), on a fixed scale ``0…top``; None is a
    gap (nothing was due), drawn as a dash. ``note`` adds a line per column to its tooltip."""
    left, bottom, height = 40, 30, 200
    inner = height - bottom - 10
    step = (WIDTH - left) / max(len(items), 1)
    body = []
    for tick in (0, 25, 50, 75, 100):
        y = 10 + inner - inner * tick / 100
        body.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{round(top * tick / 100)}{escape(unit)}</text>"
        )
    nothing = _("nothing due")
    for index, (label, value) in enumerate(items):
        x = left + index * step + step * 0.15
        width = step * 0.7
        extra = f" ({escape(note[index])})" if index < len(note) and note[index] else ""
        if value is None:
            body.append(
                f'<line class="gap" x1="{x:.1f}" x2="{x + width:.1f}" y1="{10 + inner}" '
                f'y2="{10 + inner}"><title>{escape(label)}: {escape(nothing)}</title></line>'
            )
        else:
            h = inner * min(value, top) / top
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{10 + inner - h:.1f}" width="{width:.1f}" '
                f'height="{max(h, 1):.1f}" rx="2" data-value="{value}">'
                f"<title>{escape(label)}: {value}{escape(unit)}{extra}</title></rect>"
            )
        if len(items) <= 12 or index % 2 == 0:
            body.append(
                f'<text class="axis" x="{x + width / 2:.1f}" y="{height - 10}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    shown = [f"{label}: {nothing if v is None else f'{v}{unit}'}" for label, v in items]
    return _frame(title, "; ".join(shown) or _("No data yet."), WIDTH, height, "".join(body))
