#!/usr/bin/env python3
"""One entry point for people and CI; needs nothing but Python 3.11+.

    python3 dev.py run      install (into .venv) and run mentorhub
    python3 dev.py mentorhub ARGS   any mentorhub command (check-config, db current, …)
    python3 dev.py test     install with dev tools and run the test suite
    python3 dev.py lint     format check, lint and types
    python3 dev.py check    what CI runs: format check, lint, types, tests
    python3 dev.py fmt      format and autofix
    python3 dev.py bench    run the benchmarks (see benchmarks/README.md)
    python3 dev.py messages extract messages and update the catalogs (`messages check`:
                            what a catalog misses; docs/translating.md)

Extra arguments go to the underlying tool (`python3 dev.py test -k console`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("MENTORHUB_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


CONSTRAINTS = ROOT / "constraints.txt"  # the versions CI was green with (README: Dependencies)


def ensure_env(extras: str) -> None:
    """Create .venv and install the project at the versions in constraints.txt (when there
    is one), again only when pyproject.toml or constraints.txt changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"mentorhub needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    stamp = VENV / f".installed-{extras or 'base'}"
    pinned = CONSTRAINTS.read_bytes() if CONSTRAINTS.exists() else b""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + pinned).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not (BIN / "python").exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    constrained = ["-c", str(CONSTRAINTS)] if CONSTRAINTS.exists() else []
    subprocess.run([*pip, *constrained, "-e", target], check=True)
    stamp.write_text(digest)


def tool(name: str, *args: str, here: bool = False) -> int:
    """Run a tool from .venv and return its exit status: in the project's folder, or with
    ``here`` in the caller's (so `run --script notes.txt` reads the file you named). Ctrl-C
    reaches the tool too (the terminal signals the whole process group): we wait for it
    to stop in its own way."""
    process = subprocess.Popen([str(BIN / name), *args], cwd=None if here else ROOT)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue


def main(argv: list[str]) -> int:
    command, *rest = argv or ["help"]
    if command == "run":
        ensure_env("")
        return tool("mentorhub", "run", *rest, here=True)
    if command == "mentorhub":
        ensure_env("")
        return tool("mentorhub", *rest, here=True)
    if command == "test":
        ensure_env("dev")
        # On every core (pytest-xdist), unless the caller chose: `dev.py test -n 0 -k x`
        parallel = (
            []
            if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in rest)
            else ["-n", "auto"]
        )
        return tool("pytest", *parallel, *rest)
    if command == "lint":
        ensure_env("dev")
        for step in (("ruff", "format", "--check", "."), ("ruff", "check", "."), ("mypy", ".")):
            print("$", " ".join(step), flush=True)
            if code := tool(*step):
                return code
        return 0
    if command == "check":
        return main(["lint"]) or main(["test", *rest])
    if command == "fmt":
        ensure_env("dev")
        return tool("ruff", "format", ".") or tool("ruff", "check", "--fix", ".")
    if command == "bench":
        ensure_env("dev,bench")  # B3 sets scipy's assignment beside ours
        return tool("python", "-m", "benchmarks", *rest)
    if command == "messages":
        ensure_env("dev")
        return tool("python", "-m", "bots.catalogs", *rest)
    if command not in ("help", "-h", "--help"):
        print(f"dev.py: unknown command {command!r}.\n", file=sys.stderr)
    print(__doc__)
    return 0 if command in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    try:
        raise SystemExit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # while installing: pip has stopped already
        print("\ninterrupted.", file=sys.stderr)
        raise SystemExit(130) from None
    except subprocess.CalledProcessError as error:
        print(f"installing failed: {' '.join(map(str, error.cmd))} exited {error.returncode}.")
        raise SystemExit(error.returncode or 1) from None
