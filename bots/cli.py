"""The `mentorhub` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path

from bots.bootstrap import build
from bots.config import Config, ConfigError, load_config
from bots.runner import MigrationsPending, run
from core.clock import Clock, ManualClock
from core.messengers import Terminal
from storage import migrate
from storage.db import create_engine

DEFAULT_CONFIG = "mentorhub.toml"


def _config_path(arg: str | None) -> str | None:
    path = arg or os.environ.get("MENTORHUB_CONFIG")
    if path:
        return path
    return DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else None


def _load(arg: str | None) -> Config:
    try:
        return load_config(_config_path(arg))
    except ConfigError as error:
        print("mentorhub can't start: the configuration needs fixing.", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2) from error


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mentorhub", description="Mentoring in your messengers.")
    parser.add_argument(
        "-c", "--config", help=f"config file (default: $MENTORHUB_CONFIG or ./{DEFAULT_CONFIG})"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser(
        "run", help="run mentorhub (the console when no messenger is set up)"
    )
    run_cmd.add_argument("--script", type=Path, help="read console commands from this file")
    run_cmd.add_argument(
        "--clock", help="start a manual clock at this ISO time (scripted runs; use :advance)"
    )
    commands.add_parser("check-config", help="validate the configuration and say what to fix")
    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations (a no-op when current)")
    db_commands.add_parser("current", help="show the schema revision")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        for noisy in ("alembic", "apscheduler", "httpx", "aiosqlite"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    config = _load(args.config)
    if args.command == "check-config":
        enabled = ", ".join(config.messengers()) or "none (the console adapter opens)"
        print(
            f"Configuration OK ({config.source}).\n  database: {_redact(config.database.url)}\n"
            f"  messengers: {enabled}"
        )
        return 0
    if args.command == "db":
        return asyncio.run(_db(config, args.db_command))
    return _run(config, script=args.script, clock_start=args.clock)


def _run(config: Config, *, script: Path | None, clock_start: str | None) -> int:
    clock: Clock | None = None
    if clock_start:
        clock = ManualClock(datetime.fromisoformat(clock_start.replace("Z", "+00:00")))
    interactive = script is None and sys.stdin.isatty()
    script_lines = script.read_text(encoding="utf-8").splitlines() if script else None

    async def go() -> int:
        lines = _file_lines(script_lines) if script_lines is not None else None
        terminal = Terminal(lines=lines, out=sys.stdout, interactive=interactive)
        return await run(build(config, clock=clock, terminal=terminal))

    try:
        return asyncio.run(go())
    except MigrationsPending as error:
        print(str(error), file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("\nbye", file=sys.stderr)
        return 0


async def _file_lines(lines: list[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def _db(config: Config, action: str) -> int:
    engine = create_engine(config.database.url)
    try:
        if action == "upgrade":
            before, after = await migrate.upgrade(engine)
            if before == after:
                print(f"Database already at {', '.join(sorted(after))}; nothing to do.")
            else:
                old, new = ", ".join(sorted(before)) or "empty", ", ".join(sorted(after))
                print(f"Database upgraded: {old} -> {new}")
        else:
            current = await migrate.current_revisions(engine)
            heads = migrate.head_revisions()
            state = (
                "up to date" if current == heads else f"behind (head is {', '.join(sorted(heads))})"
            )
            print(f"Schema revision: {', '.join(sorted(current)) or 'none'} — {state}")
    finally:
        await engine.dispose()
    return 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    raise SystemExit(main())
