"""The console adapter: every command in a terminal, as several people, with no token.

Type commands exactly as in a messenger (``start``, ``/profile``, ``help profile``).
``:as bob`` switches who you are; ``:in lounge`` speaks in a pretend group (``:in`` alone
leaves it); ``#2`` presses button 2 of what you were last shown (buttons are numbered
across all of it, so a list of cards has one number per button); ``:advance 3d`` moves
a manual clock (scripted runs); ``:quit`` or Ctrl-D ends.

The console is a messenger like the others, registered the same way (:data:`MESSENGER`,
config section ``[console]``): it runs in the foreground, so ``mentorhub run`` ends when
its input does.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TextIO

from core.hub import Hub
from core.i18n import _, supported, translate
from core.identity import Platform, PlatformAccount, UserRef
from core.inbound import Message, Press
from core.messages import Outcome, Reply
from core.messengers import MessengerDeps, MessengerKind
from core.pacing import PlatformPacing

CONSOLE = Platform("console")


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    # "auto": open the console when no messenger is enabled.
    enabled: Literal["auto", "always", "never"] = "auto"


_DURATION = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def render(reply: Reply, *, prefix: str = "", first_button: int = 1) -> str:
    reply = reply.localized()
    lines = []
    if reply.title:
        lines.append(f"== {reply.title} ==")
    if reply.text:
        lines.append(("! " if reply.is_error else "") + reply.text)
    lines.extend(f"{f.label}: {f.value}" for f in reply.fields)
    if reply.choices:
        numbered = enumerate(reply.choices, start=first_button)
        lines.append("  ".join(f"[#{i} {c.label}]" for i, c in numbered))
    if reply.attachment:
        lines.append(f"--- {reply.attachment.filename} ---")
        lines.append(reply.attachment.content.rstrip("\n"))
        lines.append("---")
    return "\n".join(prefix + line for line in "\n".join(lines).splitlines())


class ConsoleMessenger:
    """Reads lines as several people and prints what each is told. Sends (notices to
    console users are printed with the recipient's name), posts in spaces (a pretend
    group, ``console:<name>``) and runs in the foreground until its input ends."""

    platform = CONSOLE

    def __init__(
        self,
        hub: Hub,
        *,
        out: TextIO,
        lines: AsyncIterator[str] | None = None,
        after_each: Callable[[], Awaitable[object]] | None = None,
        pass_time: Callable[[timedelta], Awaitable[datetime]] | None = None,
        user: str = "you",
        interactive: bool = False,
        locale: str = "en",
    ) -> None:
        self.hub = hub
        self.locale = locale  # what the terminal says its language is, as a messenger would
        self.out = out
        self.after_each = after_each
        self.pass_time = pass_time
        self.user = user
        self.interactive = interactive
        self.space = ""  # the pretend group we're speaking in (":in NAME")
        self._lines = lines
        self._buttons: dict[str, list[str]] = {}  # what #N presses, per person
        self._shown_this_turn: set[str] = set()  # people whose buttons this turn numbers on

    async def start(self) -> None:
        """Nothing to connect to."""

    async def stop(self) -> None:
        """Nothing to release."""

    async def run_in_foreground(self) -> None:
        """Read the input given at construction (stdin by default) until it ends."""
        await self.run(self._lines if self._lines is not None else stdin_lines())

    def ref(self, user: str | None = None) -> UserRef:
        name = user or self.user
        return UserRef(
            CONSOLE,
            "",
            name,
            display_name=name.capitalize(),
            locale=self.locale,
            space=self.space,
            # whoever types at this terminal runs it: they manage the console's pretend
            # groups and administer the console
            can_manage_here=bool(self.space),
            is_admin=True,
        )

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        first = self._remember(account.user_id, reply)
        shown = render(reply, prefix="  | ", first_button=first)
        self.out.write(f"  (to {account.user_id})\n{shown}\n")
        self.out.flush()

    async def post_to_space(self, space: str, reply: Reply) -> None:
        self.out.write(f"  (in {space})\n{render(reply, prefix='  | ')}\n")
        self.out.flush()

    async def run(self, lines: AsyncIterator[str]) -> None:
        if self.interactive:
            self._note(
                _(
                    "mentorhub console — you are '{user}'. `help`, `:as NAME`, `:quit`.",
                    user=self.user,
                )
            )
        self._prompt()
        async for line in lines:
            if not await self.handle_line(line):
                break
            self._prompt()

    async def handle_line(self, line: str) -> bool:
        """Handle one input line; False means the session should end."""
        line = line.strip()
        self._shown_this_turn.clear()
        if not line or line.startswith("//"):
            return True
        if self.interactive is False:
            self.out.write(f"{self.user}> {line}\n")
        if line.startswith(":"):
            return await self._meta(line)
        if re.fullmatch(r"#\d+", line):
            outcome = await self._press(int(line[1:]))
        else:
            outcome = await self.hub.handle(Message(self.ref(), line))
        self._show(outcome)
        if self.after_each is not None:
            await self.after_each()
        self._shown_this_turn.clear()  # what arrives before the next line numbers afresh
        return True

    async def _press(self, number: int) -> Outcome:
        buttons = self._buttons.get(self.user, [])
        if not 1 <= number <= len(buttons):
            missing = _("There's no button #{number} on the last message.", number=number)
            return Outcome([Reply(missing, is_error=True, language=supported(self.locale))])
        return await self.hub.handle(Press(self.ref(), buttons[number - 1]))

    async def _meta(self, line: str) -> bool:
        verb, __, rest = line[1:].partition(" ")
        rest = rest.strip()
        if verb in ("quit", "q", "exit"):
            return False
        if verb == "as" and re.fullmatch(r"[A-Za-z][\w.-]{0,31}", rest):
            self.user = rest.lower()
            self._note(_("(you are now '{user}')", user=self.user))
        elif verb == "in" and re.fullmatch(r"([A-Za-z][\w.-]{0,31})?", rest):
            self.space = rest.lower()
            self._note(
                _("(you are in '{group}')", group=self.space) if rest else _("(you left the group)")
            )
        elif verb == "advance" and (match := _DURATION.match(rest)):
            if self.pass_time is None:
                self._note(_("(the clock is the system clock; start with --clock to :advance)"))
            else:
                # Announced first: what falls due on the way is printed as it happens.
                delta = timedelta(**{_UNITS[match[2]]: int(match[1])})
                when = f"{self.hub.clock.now() + delta:%Y-%m-%d %H:%M}"
                self._note(_("(clock moves to {when} UTC)", when=when))
                await self.pass_time(delta)
        elif verb == "who":
            self._note(_("(you are '{user}')", user=self.user))
        else:
            self._note(
                _(
                    "{as_name} — act as someone else · {in_group} — speak in a group · "
                    "{press} — press the button numbered N · "
                    "{advance} — move a manual clock · {quit}",
                    as_name=":as NAME",
                    in_group=":in GROUP",
                    press="#N",
                    advance=":advance 3d",
                    quit=":quit",
                )
            )
        return True

    def _note(self, text: str) -> None:
        """A line of the console's own (not the bot's), in the console's language."""
        self.out.write(translate(text, supported(self.locale)) + "\n")

    def _show(self, outcome: Outcome) -> None:
        for reply in outcome.replies:
            first = self._remember(self.user, reply)
            self.out.write(render(reply, first_button=first) + "\n")
        self.out.flush()

    def _remember(self, user: str, reply: Reply) -> int:
        """Keep ``reply``'s buttons for ``#N``; returns the number of its first button.

        Buttons are numbered across everything one turn shows a person (a list of mentor
        cards, each with its own button), so ``#2`` is the button labelled #2, never the
        second button of whichever card came last. A reply without buttons keeps the
        earlier ones pressable."""
        if not reply.choices:
            return 1
        if user not in self._shown_this_turn:
            self._buttons[user] = []
            self._shown_this_turn.add(user)
        first = len(self._buttons[user]) + 1
        self._buttons[user].extend(choice.action for choice in reply.choices)
        return first

    def _prompt(self) -> None:
        if self.interactive:
            self.out.write(f"{self.user}> ")
            self.out.flush()


async def stdin_lines(stream: TextIO = sys.stdin) -> AsyncIterator[str]:
    """Lines from ``stream`` without blocking the loop.

    A daemon thread does the blocking reads, so Ctrl-C never waits for a pending read.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        try:
            for line in stream:
                loop.call_soon_threadsafe(queue.put_nowait, line)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


def _enabled(config: ConsoleConfig, others_enabled: bool) -> bool:
    if config.enabled == "auto":
        return not others_enabled
    return config.enabled == "always"


def _build(config: ConsoleConfig, deps: MessengerDeps) -> ConsoleMessenger:
    terminal = deps.terminal
    return ConsoleMessenger(
        deps.hub,
        out=terminal.out if terminal is not None else sys.stdout,
        lines=terminal.lines if terminal is not None else None,
        after_each=deps.deliver_now,
        pass_time=deps.pass_time,
        interactive=terminal.interactive if terminal is not None else False,
        locale=terminal_language(os.environ),
    )


def terminal_language(environ: Mapping[str, str]) -> str:
    """The terminal's language as POSIX says to find it (``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``): ``de_DE.UTF-8`` → ``de_DE``; English when unset or ``C``/``POSIX``."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := environ.get(name, "").split(".")[0].split("@")[0]:
            return "en" if value in ("C", "POSIX") else value
    return "en"


MESSENGER = MessengerKind(
    platform=CONSOLE,
    section="console",
    settings=ConsoleConfig,
    build=_build,
    pacing=lambda config: PlatformPacing(CONSOLE),
    enabled=_enabled,
)
