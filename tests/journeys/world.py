"""A small program with a confirmed pair, built through the console like a user would."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.engine import make_url

from bots.bootstrap import Mentorhub
from tests.console_harness import ConsoleSession

_TEMPLATES: dict[str, Path] = {}


async def build_world(app: Mentorhub) -> ConsoleSession:
    """cora coordinates 'prog'; dana mentors mia (pair #1, weekly from 2026-03-02, in force);
    erik is a mentor with room; olga is registered but in no program."""
    c = ConsoleSession(app)
    await c.register("cora", "Cora Lead", "Europe/London")
    await c.say("cora", "newprogram prog Test program", "configure prog cadence weekly")
    await c.register("dana", "Dana Berg", "Europe/Berlin", "en,de")
    await c.say("dana", "enroll prog mentor 2", "figma, career", "async", "#1")
    await c.register("erik", "Erik Lund", "America/New_York")
    await c.say("erik", "enroll prog mentor 1", "figma", "call", "#1")
    await c.register("mia", "Mia Sousa", "Europe/Lisbon", "en,pt")
    await c.say("mia", "enroll prog mentee", "figma", "Get a design job", "async", "#1")
    await c.register("olga", "Olga Ivanova", "Europe/Warsaw")
    await c.say("cora", "assign prog mia_sousa dana_berg")
    await c.say("mia", "agree", "#1", "weekly", "async", "here in chat")
    out = await c.say("mia", "2026-03-02", "12w", "48", "#1")
    assert "Sent to Dana Berg" in out, out
    out = await c.say("dana", "confirm")
    assert "Agreement version 1 is in force for pair #1." in out, out
    return c


async def copy_of_world(app: Mentorhub, tmp_root: Path) -> ConsoleSession:
    """Like build_world, but built once per test session and copied (SQLite only)."""
    target = Path(str(make_url(app.config.database.url).database))
    template = _TEMPLATES.get("world")
    if template is None:
        await build_world(app)
        await app.engine.dispose()  # closes connections and checkpoints the WAL
        template = tmp_root / "world-template.db"
        shutil.copyfile(target, template)
        _TEMPLATES["world"] = template
    else:
        await app.engine.dispose()
        shutil.copyfile(template, target)
    return ConsoleSession(app)
