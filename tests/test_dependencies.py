"""The dependency declarations: advisory floors, no unused extras, and a constraints file
that pins everything the dev install needs, each pin allowed by pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DECLARED = [
    Requirement(r) for r in (*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["dev"])
]


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact pin"
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_aiohttp_floor_is_past_the_server_advisories() -> None:
    (aiohttp,) = [r for r in DECLARED if r.name == "aiohttp"]
    assert not aiohttp.specifier.contains("3.14.2")  # GHSA-mfx4-hv73-q22v and earlier
    assert aiohttp.specifier.contains("3.14.3")


def test_no_webhooks_extra_and_nothing_imports_tornado() -> None:
    (ptb,) = [r for r in DECLARED if r.name == "python-telegram-bot"]
    assert "webhooks" not in ptb.extras  # tornado: our own aiohttp server takes the webhook
    pattern = re.compile(r"^\s*(import|from)\s+tornado\b", re.MULTILINE)
    for folder in ("adapters", "bots", "core", "storage", "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            assert not pattern.search(path.read_text()), path


def test_constraints_pin_every_declared_dependency_within_its_range() -> None:
    pins = _pins()
    for requirement in DECLARED:
        pinned = pins.get(canonicalize_name(requirement.name))
        assert pinned is not None, f"constraints.txt doesn't pin {requirement.name}"
        assert requirement.specifier.contains(pinned, prereleases=True), (requirement, pinned)
    assert "tornado" not in pins
