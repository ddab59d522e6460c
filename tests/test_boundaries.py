"""The seams hold: core imports no SDK, ORM or scheduler and names no messenger; adapters
reach core only through the Hub-facing API and don't import each other."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_CORE = {
    "slack_bolt",
    "slack_sdk",
    "discord",
    "telegram",
    "sqlmodel",
    "sqlalchemy",
    "apscheduler",
    "prometheus_client",  # core reports through core.metrics; bots/metrics.py exports
}
ADAPTERS = {"slack", "telegram", "discord", "console", "web"}
# What a messenger package may import from core: the Hub and the values that cross it,
# the delivery contract it implements, the pacer it shares, its own declaration, and pure
# helpers. Never core.lookup, core.reachability, repositories or units of work.
HUB_FACING = {
    "core.delivery",
    "core.dialogs",  # FormField, the fields Hub.form returns
    "core.correlation",  # one id on every log line an inbound event causes
    "core.dashboard",  # the web dashboard's use cases and read models (adapters/web)
    "core.hub",
    "core.i18n",  # messages in the reader's language: adapters' own words, menus
    "core.identity",
    "core.inbound",
    "core.messages",
    "core.memory",  # bounded caches, replay memory, per-person locks
    "core.messengers",
    "core.model",  # Program, as Hub.program_living_in returns it
    "core.pacing",
    "core.registry",  # the command registry a messenger publishes as its menu
    "core.syntax",  # how a messenger's users type commands named in replies
    "core.text",  # pure text helpers (time-zone suggestions)
}
MESSENGER_NAMES = re.compile(r"telegram|slack|discord", re.IGNORECASE)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_sdk_orm_or_scheduler() -> None:
    offenders = []
    files = list((ROOT / "core").rglob("*.py"))
    assert files, "core/ has no python files?"
    for path in files:
        for module in imported_modules(path):
            if module.split(".")[0] in FORBIDDEN_IN_CORE:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_adapters_do_not_import_each_other() -> None:
    offenders = []
    for adapter in ADAPTERS:
        for path in (ROOT / "adapters" / adapter).rglob("*.py"):
            for module in imported_modules(path):
                parts = module.split(".")
                if parts[0] == "adapters" and len(parts) > 1 and parts[1] != adapter:
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_adapters_reach_core_only_through_the_hub_facing_api() -> None:
    offenders = []
    for path in (ROOT / "adapters").rglob("*.py"):
        for module in imported_modules(path):
            parts = module.split(".")
            if parts[0] == "storage" or (parts[0] == "core" and not _hub_facing(module)):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
        if "uow_factory" in path.read_text(encoding="utf-8"):
            offenders.append(f"{path.relative_to(ROOT)} names uow_factory")
    assert offenders == []


def _hub_facing(module: str) -> bool:
    return any(module == allowed or module.startswith(allowed + ".") for allowed in HUB_FACING)


def test_core_names_no_messenger() -> None:
    """Not in identifiers, strings or comments: each messenger's package owns its name."""
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        with path.open("rb") as source:
            for token in tokenize.tokenize(source.readline):
                if MESSENGER_NAMES.search(token.string):
                    line = token.start[0]
                    offenders.append(f"{path.relative_to(ROOT)}:{line}: {token.string[:60]}")
    assert offenders == []


def test_the_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from sqlalchemy import select\nimport discord.ui\n")
    assert imported_modules(sample) == {"sqlalchemy", "discord.ui"}


def test_the_matching_engine_loads_only_when_a_match_runs() -> None:
    """numpy and OR-Tools cost start-up time and idle memory (B5): a process that never
    matches anyone must not load them just by importing the app."""
    probe = (
        "import sys, bots.cli, bots.bootstrap, core.commands; "
        "print(sorted({'numpy', 'ortools', 'core.matching.engine'} & set(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    assert loaded == "[]"
