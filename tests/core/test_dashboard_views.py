"""The pair list's query string: filtering, sorting (pairs without the value last) and
paging, and anything not understood falling back to the defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.dashboard.views import PAGE_SIZE, PairLine, PairQuery, Snapshot, pair_page
from core.model import PairStatus, Program


def line(pair_id: int, status: PairStatus, last: date | None, risk: str | None = None) -> PairLine:
    return PairLine(
        pair_id, f"m{pair_id % 7}", f"e{pair_id}", status, date(2026, 1, 1), None,
        4, 2, 1, 1, last, risk, (2 if risk else 0, pair_id),
    )  # fmt: skip


def snapshot(lines: list[PairLine]) -> Snapshot:
    at_risk = sorted((x for x in lines if x.risk), key=lambda x: x.urgency, reverse=True)
    program = Program("prog", "Prog", datetime(2026, 1, 1, tzinfo=UTC), id=1)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    return Snapshot(program, now, {}, 0, 0, lines, at_risk, [], [], [], [], [])


def test_garbage_in_the_query_string_reads_as_the_defaults() -> None:
    query = PairQuery.parse({"status": "x", "sort": "drop table", "order": "up", "page": "-3"})
    assert query == PairQuery()
    assert PairQuery.parse({"q": "  @MIA ", "page": "99999999"}) == PairQuery(search="mia")


def test_sorting_filtering_and_paging() -> None:
    lines = [
        line(n, PairStatus.ACTIVE if n % 2 else PairStatus.ENDED,
             date(2026, 2, n % 28 + 1) if n % 5 else None, "silent" if n % 9 == 0 else None)
        for n in range(1, 131)
    ]  # fmt: skip
    snap = snapshot(lines)
    page = pair_page(snap, PairQuery(status="active", sort="last_checkin", order="desc"))
    assert page.total == 65 and page.pages == 2 and len(page.lines) == PAGE_SIZE
    shown = [x.last_checkin for x in page.lines]
    assert shown == sorted(shown, reverse=True)  # type: ignore[type-var]
    last = pair_page(snap, PairQuery(status="active", sort="last_checkin", order="desc", page=9))
    assert last.query.page == 2 and last.lines[-1].last_checkin is None  # never checked in: last
    risky = pair_page(snap, PairQuery(status="at_risk", sort="risk", order="desc"))
    assert [x.pair_id for x in risky.lines] == [
        126,
        117,
        108,
        99,
        90,
        81,
        72,
        63,
        54,
        45,
        36,
        27,
        18,
        9,
    ]
    found = pair_page(snap, PairQuery(search="e12"))
    assert {x.mentee for x in found.lines} == {"e12", *(f"e{n}" for n in range(120, 130))}
