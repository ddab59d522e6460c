"""B4 in the harness's report format (the measurement itself is benchmarks/b4_slack_ack.py)."""

from __future__ import annotations

from typing import Any

from benchmarks import b4_slack_ack
from benchmarks.common import Scale, Section


def _ms(summary: dict[str, Any]) -> str:
    return f"p50 {summary['p50']:.1f} ms, p99 {summary['p99']:.1f} ms"


async def run(scale: Scale) -> list[Section]:
    result = await b4_slack_ack.run(scale.quick)
    section = Section("B4", "Slack command through bolt: signature checked, one row written, acked")
    alone, during = result["alone"], result["b1_fanout"]
    naive_alone = result["naive_bolt_default_alone"]
    naive_during = result["naive_bolt_default_b1_fanout"]
    section.row("server-side ack, alone", _ms(alone["server_ms"]), _ms(naive_alone["server_ms"]))
    section.row(
        f"… during a fan-out ({during['fanout_rate_per_s']} msg/s)",
        _ms(during["server_ms"]),
        _ms(naive_during["server_ms"]),
    )
    section.row("core call after the ack, alone", _ms(alone["core_call_ms"]))
    section.check(
        "p99 alone",
        alone["server_ms"]["p99"] <= result["target_p99_alone_ms"],
        f"{alone['server_ms']['p99']:.1f} ms ≤ {result['target_p99_alone_ms']} ms",
    )
    section.check(
        "p99 during fan-out",
        during["server_ms"]["p99"] <= result["target_p99_fanout_ms"],
        f"{during['server_ms']['p99']:.1f} ms ≤ {result['target_p99_fanout_ms']} ms",
    )
    section.note("naive = the same listeners on bolt's default ack path")
    return [section]
