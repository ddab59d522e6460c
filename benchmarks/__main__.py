"""`python -m benchmarks [--quick] [--only B2,B1 …] [--pg URL]` — see benchmarks/README.md."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks.common import Scale, Section, machine, pg_version

SCENARIOS: dict[str, str] = {
    "B2": "benchmarks.b2_schedules",  # also prints B2b
    "B2c": "benchmarks.b2c_workers",
    "B1": "benchmarks.b1_telegram",
    "B1b": "benchmarks.b1b_slack_discord",
    "B3": "benchmarks.b3_matching",  # also prints B3b
    "B4": "benchmarks.b4_section",
    "B5": "benchmarks.b5_idle_rss",
    "B6": "benchmarks.b6_program_size",
    "B7": "benchmarks.b7_ceiling",
    "B8": "benchmarks.b8_dashboard",
}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 dev.py bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smaller N (minutes, not tens of minutes)"
    )
    parser.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help=f"comma-separated scenarios of {', '.join(SCENARIOS)} (B2 includes B2b, B3 B3b)",
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("MENTORHUB_TEST_DATABASE_URL"),
        help="PostgreSQL server URL for B2c (default: $MENTORHUB_TEST_DATABASE_URL)",
    )
    parser.add_argument(
        "--fakes",
        choices=("same-process", "own-process"),
        default="same-process",
        help="run the platform stand-ins in this process (as PERFORMANCE.md measured) or "
        "each in its own process",
    )
    parser.add_argument("--out", type=Path, help="also append the report to this file")
    return parser.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    # PTB logs every request its AIORateLimiter gives up on, with a traceback: that is the
    # naive baseline failing as measured, not news. Our own warnings still show.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("telegram").setLevel(logging.CRITICAL)
    scale = Scale(quick=args.quick, pg_url=args.pg, separate_fakes=args.fakes == "own-process")
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    header = [
        f"# mentorhub benchmarks ({'quick' if args.quick else 'full'} scale)",
        "",
        f"machine: {machine()}",
        f"platform stand-ins: {args.fakes}",
    ]
    if scale.pg_url:
        header.append(f"PostgreSQL {await pg_version(scale.pg_url)}")
    print("\n".join(header), flush=True)
    sections: list[Section] = []
    for name in wanted:
        module = __import__(SCENARIOS[name], fromlist=["run"])
        runner: Callable[[Scale], Awaitable[list[Section]]] = module.run
        started = time.perf_counter()
        print(f"\n… running {name}", flush=True)
        for section in await runner(scale):
            sections.append(section)
            print("\n" + section.render(), flush=True)
        print(f"  ({name} took {time.perf_counter() - started:.0f} s)", flush=True)
    failed = [s.id for s in sections if not s.passed]
    skipped = [s.id for s in sections if s.skipped]
    summary = "all targets met" if not failed else f"targets missed: {', '.join(failed)}"
    if skipped:
        summary += f" ({', '.join(skipped)} skipped)"
    print(f"\n{summary}")
    if args.out:
        with args.out.open("a", encoding="utf-8") as out:
            out.write("\n".join(header) + "\n\n")
            out.write("\n\n".join(s.render() for s in sections) + f"\n\n{summary}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
