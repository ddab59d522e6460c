"""Drive the console adapter line by line and read what each person was told."""

from __future__ import annotations

import io

from adapters.console import ConsoleMessenger
from bots.bootstrap import Mentorhub


class ConsoleSession:
    def __init__(self, app: Mentorhub) -> None:
        self.app = app
        self.out = io.StringIO()
        self.console = ConsoleMessenger(
            app.hub, out=self.out, after_each=app.deliver, pass_time=app.pass_time
        )
        app.outlets.add(self.console, replace=True)  # a new terminal on the same app

    async def say(self, user: str, *lines: str) -> str:
        """Send ``lines`` as ``user``; returns everything printed meanwhile."""
        start = self.out.tell()
        self.console.user = user
        for line in lines:
            await self.console.handle_line(line)
        return self.out.getvalue()[start:]

    async def register(self, user: str, name: str, timezone: str, languages: str = "en") -> str:
        return await self.say(user, f'start "{name}" {timezone} {languages}')


def told(out: str, user: str) -> str:
    """The notices delivered to ``user`` within a chunk of console output."""
    return _blocks(out, f"(to {user})")


def posted(out: str, space: str) -> str:
    """What was posted in ``space`` (e.g. "console:lounge") within a chunk of output."""
    return _blocks(out, f"(in {space})")


def _blocks(out: str, header: str) -> str:
    blocks = []
    lines = out.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == header:
            body = []
            for following in lines[index + 1 :]:
                if not following.startswith("  | "):
                    break
                body.append(following[4:])
            blocks.append("\n".join(body))
    return "\n---\n".join(blocks)


def own(out: str) -> str:
    """What the actor saw directly (everything but notices to others)."""
    return "\n".join(
        line for line in out.splitlines() if not line.startswith(("  | ", "  (to ", "  (in "))
    )
