"""Neutral replies -> Telegram messages (HTML parse mode). Pure functions, no I/O.

Every string from core is plain text and may hold what a user typed, so all of it is
escaped, and two kinds of automatic entities Telegram would otherwise create are broken
with an invisible WORD JOINER (U+2060):

- ``@name`` would become a mention (a link to some stranger's account; in a group it
  notifies them). Our own handles (``@alice_smith``) are not Telegram usernames either.
- ``example.org`` / ``scheme://`` would become a clickable link.
- ``/verb`` would become a tappable command: a shared note saying "/pause" would pause
  whoever taps it. Only core's backticked commands (below) are made tappable.

Text in backticks is core's way of naming something to type: when it starts with a
command it becomes ``/verb …`` (Telegram makes that tappable), else ``<code>``.

A reply longer than Telegram's 4096 characters is split into several messages at line
breaks (or spaces); the keyboard goes with the last one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.i18n import _, translate
from core.messages import Reply
from core.model import Program
from core.syntax import NativeCommands

MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units, Bot API sendMessage.text
WORD_JOINER = "\u2060"
ERROR_MARK = "⚠️ "

PLAIN, BOLD, CODE = "", "b", "code"
_TAG_COST = {PLAIN: 0, BOLD: len("<b></b>"), CODE: len("<code></code>")}

_MENTION = re.compile(r"@(?=\w)")
_SCHEME = re.compile(r"://")
_DOMAIN_DOT = re.compile(r"(?<=\w)\.(?=[^\W\d_])")  # "example.org", not "3.5"
# A slash before a command's letters, where Telegram's clients find bot commands: "/pause",
# "(/end"; not after a letter, digit, "_", "/", "<", ">" or "\" ("a/b", "</b>")
_COMMAND_SLASH = re.compile(r"(?<![\w/<>\\])/(?=\w)")
_BACKTICKS = re.compile(r"`([^`\n]+)`")


@dataclass(frozen=True, slots=True)
class Rendered:
    """One ``sendMessage``: ``text`` in ``parse_mode`` (``"HTML"`` or None for plain)."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    parse_mode: str | None = "HTML"


Span = tuple[str, str]  # (style, plain text)
Line = list[Span]


def defang(text: str) -> str:
    """Break what Telegram would turn into a mention, a link or a tappable command;
    invisible to readers."""
    text = _MENTION.sub("@" + WORD_JOINER, text)
    text = _COMMAND_SLASH.sub("/" + WORD_JOINER, text)
    text = _SCHEME.sub(":" + WORD_JOINER + "//", text)
    return _DOMAIN_DOT.sub("." + WORD_JOINER, text)


def render(reply: Reply, *, commands: NativeCommands | None = None) -> list[Rendered]:
    """``reply`` as one or more HTML messages. ``commands`` writes the backticked spans
    that name a command as Telegram users type them: a tappable ``/verb …``."""
    reply = reply.localized()
    pages = paginate(reply_lines(reply, commands=commands), html_mode=True)
    return _attach_keyboard([Rendered(to_html(page)) for page in pages], reply)


def render_plain(reply: Reply) -> list[Rendered]:
    """Fallback without markup, used if Telegram ever rejects our HTML."""
    reply = reply.localized()
    pages = paginate(reply_lines(reply), html_mode=False)
    return _attach_keyboard([Rendered(to_plain(page), parse_mode=None) for page in pages], reply)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """One button per row, so long labels stay readable on a phone. ``callback_data`` is the
    core's action id (at most 64 bytes, checked by ``Choice``)."""
    if not reply.choices:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(choice.label, callback_data=choice.action)]
            for choice in reply.choices
        ]
    )


_SLOT = "\x00"  # where markup goes into a translated sentence (never in a message)


def private_chat_invite(
    bot_username: str, program: Program | None = None, language: str | None = None
) -> Rendered:
    """What we say in a group instead of anything personal, in ``language``. In a group a
    ``program`` lives in, the button is its invitation link: ``/start join_<slug>``
    registers whoever taps it if needed and shows them the program with its join buttons."""
    text = _html(
        _(
            "Let's talk in private: I answer personal requests in a direct chat with me, "
            "never in a group."
        ),
        language,
    )
    url = f"https://t.me/{bot_username}"
    # Translators: a button that opens a private chat with the bot.
    label = _("Open a private chat")
    if program is not None:
        name = html.escape(defang(program.name), quote=False)
        join = _html(_("To join {program}, tap below.", program=_SLOT), language)
        text += "\n" + join.replace(_SLOT, f"<b>{name}</b>")
        url += f"?start=join_{program.slug}"  # a slug is a valid payload: [a-z0-9-], <= 32
        # Translators: a button that joins a program, in a private chat with the bot.
        label = _("Join in a private chat")
    button = InlineKeyboardButton(translate(label, language), url=url)
    return Rendered(text, InlineKeyboardMarkup([[button]]))


def non_text_hint(language: str | None = None) -> Rendered:
    """Our answer to a sticker, photo or voice note in a private chat."""
    hint = _("I can only read text messages. Send {command} to see what I can do.", command="/help")
    return Rendered(_html(hint, language))


def _html(text: str, language: str | None) -> str:
    """A message of ours written in ``language``, safe in Telegram's HTML."""
    return html.escape(translate(text, language), quote=False)


# --- lines and spans ---------------------------------------------------------------------


def reply_lines(reply: Reply, *, commands: NativeCommands | None = None) -> list[Line]:
    lines: list[Line] = []
    if reply.title:
        lines.append([(BOLD, defang(reply.title))])
    if reply.text:
        for number, raw in enumerate(reply.text.split("\n")):
            line = _inline(raw, commands)
            if number == 0 and reply.is_error:
                line.insert(0, (PLAIN, ERROR_MARK))
            lines.append(line)
    elif reply.is_error and lines:
        lines[0].insert(0, (PLAIN, ERROR_MARK))
    for item in reply.fields:
        lines.append([(BOLD, defang(item.label)), (PLAIN, ": " + defang(item.value))])
    return lines


def _inline(raw: str, commands: NativeCommands | None) -> Line:
    """Plain text with `backticked` spans made into /commands or code."""
    raw = defang(raw)  # the whole line at once: a mention can't straddle two spans
    line: Line = []
    position = 0
    for match in _BACKTICKS.finditer(raw):
        if match.start() > position:
            line.append((PLAIN, raw[position : match.start()]))
        inner = match.group(1)
        written = commands.span(inner) if commands is not None else None
        if written is not None and written.startswith("/"):
            line.append((PLAIN, written))
        else:
            line.append((CODE, written or inner))
        position = match.end()
    if position < len(raw):
        line.append((PLAIN, raw[position:]))
    return line


def to_html(lines: Iterable[Line]) -> str:
    return "\n".join("".join(_span_html(span) for span in line) for line in lines)


def to_plain(lines: Iterable[Line]) -> str:
    return "\n".join("".join(text for _style, text in line) for line in lines)


def _span_html(span: Span) -> str:
    style, text = span
    escaped = html.escape(text, quote=False)
    return f"<{style}>{escaped}</{style}>" if style else escaped


# --- splitting at Telegram's length limit ------------------------------------------------


def _text_cost(text: str, html_mode: bool) -> int:
    """UTF-16 units ``text`` takes on the wire. We budget the markup too (what Telegram
    counts is the text after parsing, which is never longer), so a page is always safe.
    Escaping works character by character, so a text costs the sum of its characters."""
    if html_mode:
        text = html.escape(text, quote=False)
    return len(text.encode("utf-16-le")) // 2


def _span_cost(span: Span, html_mode: bool) -> int:
    style, text = span
    overhead = _TAG_COST[style] if html_mode else 0
    return overhead + _text_cost(text, html_mode)


def _line_cost(line: Line, html_mode: bool) -> int:
    return sum(_span_cost(span, html_mode) for span in line)


def paginate(
    lines: list[Line], *, html_mode: bool, limit: int = MAX_MESSAGE_LENGTH
) -> list[list[Line]]:
    """Group lines into pages of at most ``limit``; a line too long alone is cut."""
    pages: list[list[Line]] = []
    page: list[Line] = []
    used = 0
    for line in lines:
        for piece in _cut_line(line, html_mode, limit):
            cost = _line_cost(piece, html_mode) + (1 if page else 0)  # +1: the "\n"
            if page and used + cost > limit:
                pages.append(page)
                page, used = [], 0
                cost -= 1
            page.append(piece)
            used += cost
    if page:
        pages.append(page)
    return pages


def _cut_line(line: Line, html_mode: bool, limit: int) -> list[Line]:
    if _line_cost(line, html_mode) <= limit:
        return [line]
    pieces: list[Line] = []
    current: Line = []
    used = 0
    for style, text in line:
        overhead = _TAG_COST[style] if html_mode else 0
        rest = text
        while rest:
            room = limit - used - overhead
            if room <= 0:
                pieces.append(current)
                current, used = [], 0
                continue
            head, rest = _take(rest, room, html_mode)
            if not head:  # not even one character fits beside what's on this page
                pieces.append(current)
                current, used = [], 0
                continue
            current.append((style, head))
            used += overhead + _text_cost(head, html_mode)
    if current:
        pieces.append(current)
    return pieces


def _take(text: str, room: int, html_mode: bool) -> tuple[str, str]:
    """The longest prefix of ``text`` costing at most ``room``, preferably ending at a space."""
    used = 0
    end = 0
    for char in text:
        cost = _text_cost(char, html_mode)
        if used + cost > room:
            break
        used += cost
        end += 1
    if end == len(text):
        return text, ""
    space = text.rfind(" ", 0, end)
    if space > end // 2:
        end = space + 1
    if _STARTS_COMMAND.match(text, end):
        # "…word/pause" is no command, but a message starting "/pause" would be one: never
        # start the next message at a slash (no head at all: the caller starts a new page)
        end -= 1
    return text[:end], text[end:]


_STARTS_COMMAND = re.compile(r"/\w")


def _attach_keyboard(messages: list[Rendered], reply: Reply) -> list[Rendered]:
    markup = keyboard(reply)
    if not messages:
        if markup is None:
            return []
        messages = [Rendered("…")]  # buttons need a message to sit under
    if markup is not None:
        last = messages[-1]
        messages[-1] = Rendered(last.text, markup, last.parse_mode)
    return messages
