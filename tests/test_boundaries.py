"""The seams hold: core imports no SDK, ORM or scheduler; adapters don't import each other."""

from __future__ import annotations

import ast
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
}
ADAPTERS = {"slack", "telegram", "discord", "console"}


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


def test_the_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from sqlalchemy import select\nimport discord.ui\n")
    assert imported_modules(sample) == {"sqlalchemy", "discord.ui"}
