"""The `mentorhub` command line."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.web.server import WebPortUnavailable
from bots.bootstrap import build
from bots.config import Config, ConfigError, DatabaseConfig, load_config
from bots.importing import ImportProblem, run_import
from bots.logs import log_handler
from bots.ops import OpsPortUnavailable
from bots.runner import DatabaseUnreachable, MigrationsPending, opening_database, run
from core.clock import Clock, ManualClock
from core.delivery import MessengerFailed
from core.messengers import Terminal
from storage import migrate
from storage.db import create_engine

DEFAULT_CONFIG = "mentorhub.toml"
CLOCK_EXAMPLE = "2026-03-02T09:00Z"


class CantStart(Exception):
    """A start-up problem the person can fix: shown as one line, exit status 2."""


def _config_path(arg: str | None) -> str | None:
    path = arg or os.environ.get("MENTORHUB_CONFIG")
    if path:
        return path
    return DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else None


def _load(arg: str | None, *, checking: bool = False) -> Config:
    try:
        return load_config(_config_path(arg))
    except ConfigError as error:
        lead = "mentorhub: " if checking else "mentorhub can't start: "
        print(f"{lead}the configuration needs fixing.", file=sys.stderr)
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
    # -c also after the command (`mentorhub run -c x.toml`), as people tend to type it
    config_after = argparse.ArgumentParser(add_help=False)
    config_after.add_argument("-c", "--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    run_cmd = commands.add_parser(
        "run", help="run mentorhub (the console when no messenger is set up)",
        parents=[config_after],
    )  # fmt: skip
    run_cmd.add_argument("--script", type=Path, help="read console commands from this file")
    run_cmd.add_argument(
        "--clock", help="start a manual clock at this ISO time (scripted runs; use :advance)"
    )
    commands.add_parser(
        "check-config", help="validate the configuration and say what to fix",
        parents=[config_after],
    )  # fmt: skip
    db = commands.add_parser("db", help="database schema", parents=[config_after])
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations (a no-op when current)")
    db_commands.add_parser("current", help="show the schema revision")
    importing = commands.add_parser(
        "import", help="bring a cohort from a spreadsheet (CSV files)", parents=[config_after]
    )
    import_kinds = importing.add_subparsers(dest="import_kind", required=True)
    for kind, what in (
        ("people", "people and their enrolment (name, handle, timezone, role, ...)"),
        ("pairs", "running pairs (mentor_handle, mentee_handle, starts_on, cadence_days)"),
    ):
        kind_cmd = import_kinds.add_parser(kind, help=what, parents=[config_after])
        kind_cmd.add_argument("program", help="the program's short name (it must exist)")
        kind_cmd.add_argument("file", type=Path, help="a CSV file with a header row (UTF-8)")
        kind_cmd.add_argument(
            "--skip-bad", action="store_true", help="import the good rows when some are bad"
        )
    args = parser.parse_args(argv)
    config = _load(args.config, checking=args.command == "check-config")
    _configure_logging(
        verbose=args.verbose, console=config.console_enabled(), format_name=config.log.format
    )
    try:
        return _command(config, args)
    except (
        CantStart,
        DatabaseUnreachable,
        MessengerFailed,
        OpsPortUnavailable,
        WebPortUnavailable,
    ) as error:
        print(f"mentorhub can't start: {error}", file=sys.stderr)
        return 2


def _configure_logging(
    *, verbose: bool, console: bool, format_name: Literal["text", "json"] = "text"
) -> None:
    """Logs go to stderr, as text or JSON lines (``[log] format``). Beside the console
    they are only warnings and errors, marked as log lines and without a wall-clock stamp:
    they never pass for chat, and a scripted run's clock is not the wall clock."""
    if console:
        level, line = logging.WARNING, "[log] %(levelname)s %(name)s%(correlation)s: %(message)s"
    else:
        level = logging.INFO
        line = "%(asctime)s %(levelname)s %(name)s%(correlation)s: %(message)s"
    handler = log_handler(format_name, line, sys.stderr)
    logging.basicConfig(level=logging.DEBUG if verbose else level, handlers=[handler])
    if not verbose:
        for noisy in ("alembic", "apscheduler", "httpx", "aiosqlite"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def _command(config: Config, args: argparse.Namespace) -> int:
    if args.command == "check-config":
        enabled = ", ".join(config.messengers()) or "none (the console adapter opens)"
        source = "no file: the defaults" if config.source == "(defaults)" else config.source
        p = config.privacy
        print(
            f"Configuration OK ({source}).\n  database: {_redact(config.database.url)}\n"
            f"  messengers: {enabled}\n"
            f"  privacy: ended pairs' content kept {p.keep_ended_pairs_days} days; delivered "
            f"messages' text {p.keep_sent_messages_days} days; data of a removed Slack "
            f"workspace or Discord server purged after a grace period of "
            f"{p.removed_workspace_grace_days} days"
        )
        web = config.web
        print(
            f"  dashboard: {web.public_url} (served on {web.host}:{web.port})"
            if web.enabled
            else "  dashboard: off ([web] enabled = false)"
        )
        for note in config.notes():
            print(f"  note: {note}")
        return 0
    if args.command == "db":
        return asyncio.run(_db(config, args.db_command))
    if args.command == "import":
        return _import(config, args)
    return _run(config, script=args.script, clock_start=args.clock)


def _run(config: Config, *, script: Path | None, clock_start: str | None) -> int:
    clock: Clock | None = None
    if clock_start is not None:
        if config.messengers():
            raise CantStart(
                "--clock starts a manual clock that only the console's :advance moves, and "
                f"the enabled messengers ({', '.join(config.messengers())}) run on real time. "
                "Drop --clock, or disable them to try it in the console."
            )
        clock = ManualClock(parse_clock(clock_start))
    if script is not None and not config.console_enabled():
        raise CantStart(
            "--script feeds the console, and the console is not enabled (another messenger "
            'is, or [console] enabled = "never"). Drop --script, or set enabled = "always".'
        )
    script_lines = read_script(script) if script is not None else None
    interactive = script is None and sys.stdin.isatty()

    async def go() -> int:
        lines = _file_lines(script_lines) if script_lines is not None else None
        terminal = Terminal(lines=lines, out=sys.stdout, interactive=interactive)
        return await run(build(config, clock=clock, terminal=terminal))

    try:
        if clock is not None and config.database.url == DatabaseConfig().url:
            # A manual clock's make-believe months must not land in your real database
            # (nor last week's tour in this one): it gets a fresh one of its own.
            with tempfile.TemporaryDirectory(prefix="mentorhub-clock-") as folder:
                database = DatabaseConfig(url=f"sqlite:///{Path(folder) / 'mentorhub.db'}")
                config = dataclasses.replace(config, database=database)
                return asyncio.run(go())
        return asyncio.run(go())
    except MigrationsPending as error:
        print(str(error), file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("\nmentorhub stopped (Ctrl-C).", file=sys.stderr)
        return 130  # the shell's status for "interrupted"


def _import(config: Config, args: argparse.Namespace) -> int:
    try:
        return asyncio.run(
            run_import(config, args.import_kind, args.program, args.file, skip_bad=args.skip_bad)
        )
    except ImportProblem as error:
        print(f"mentorhub import: {error}", file=sys.stderr)
        return 2
    except MigrationsPending as error:
        print(str(error), file=sys.stderr)
        return 3


def parse_clock(text: str) -> datetime:
    """``--clock``: an ISO date and time with its zone (``Z`` or ``+01:00``)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CantStart(
            f"--clock {text!r} is not a date and time: give one like {CLOCK_EXAMPLE}."
        ) from None
    if moment.tzinfo is None:
        raise CantStart(
            f"--clock {text!r} has no time zone: add one, e.g. {CLOCK_EXAMPLE} (Z is UTC) "
            "or 2026-03-02T09:00+01:00."
        )
    return moment


def read_script(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise CantStart(
            f"the script {path} doesn't exist. Try examples/demo.txt, which comes with mentorhub."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CantStart(f"the script {path} can't be read: {error}") from None


async def _file_lines(lines: list[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def _db(config: Config, action: str) -> int:
    engine = create_engine(config.database.url)
    try:
        async with opening_database(engine):
            return await _db_action(engine, action)
    finally:
        await engine.dispose()


async def _db_action(engine: AsyncEngine, action: str) -> int:
    if action == "upgrade":
        before, after = await migrate.upgrade(engine)
        if before == after:
            print(f"Database already at {', '.join(sorted(after))}; nothing to do.")
        else:
            old, new = ", ".join(sorted(before)) or "empty", ", ".join(sorted(after))
            print(f"Database upgraded: {old} -> {new}")
        return 0
    current = await migrate.current_revisions(engine)
    heads = migrate.head_revisions()
    state = "up to date" if current == heads else f"behind (head is {', '.join(sorted(heads))})"
    print(f"Schema revision: {', '.join(sorted(current)) or 'none'} — {state}")
    return 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    raise SystemExit(main())
