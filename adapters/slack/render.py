"""Neutral replies → Block Kit blocks plus a plain fallback ``text``. Pure functions.

Safety: every string from the core goes through :func:`escape` before it lands in a
``mrkdwn`` text object or the fallback text, so ``&``, ``<`` and ``>`` can never form
``<!channel>``, ``<@U…>`` or ``<http://…|links>``, and ``*``, ``_`` and ``~`` can never
format. mrkdwn objects are also ``verbatim``, so
Slack does not turn a bare ``@here``, ``#channel`` or URL into a mention or link either.
Button labels are ``plain_text``, which Slack never parses for mentions or links, so they
are sent as they are (escaping them would show ``&amp;`` literally).

Buttons: a block's ``action_id`` must be unique within the block, so each button gets
``mh:<n>`` (n counts across the message) and carries the core's compact action id in its
``value``; one listener matches ``^mh:\\d+$`` and hands ``value`` to the hub as a ``Press``.
A prompt of a form-capable dialog also gets a "Fill in as a form" button, ``mh:form`` with the
dialog id as its value, which opens the rest of the dialog as a modal (see forms.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.i18n import LANGUAGES, PSEUDO, _, translate
from core.messages import Action, Attachment, ChoiceStyle, Reply, fit_attachment, well_formed

Block = dict[str, Any]

ACTION_PREFIX = "mh:"
ACTION_ID_PATTERN = r"^mh:\d+$"
FORM_ACTION_ID = "mh:form"
# Translators: a button that opens the remaining questions as one form (at most 75 characters).
FORM_BUTTON_LABEL = _("Fill in as a form")
SECTION_TEXT_MAX = 3000  # Slack: section text
FIELD_TEXT_MAX = 2000  # Slack: each section field
FIELDS_PER_SECTION = 10  # Slack: fields per section
BUTTONS_PER_BLOCK = 25  # Slack: elements per actions block
BUTTON_LABEL_MAX = 75  # Slack: button text
BLOCKS_PER_MESSAGE = 50  # Slack: blocks per message
FALLBACK_TEXT_MAX = 3500  # Slack truncates text beyond 40,000; keep notifications short

WORD_JOINER = "\u2060"
# Backticks stay: the core marks commands as `code` (and code formats nothing inside).
FORMATTING_MARKS = "*_~"
_OPENING_MARK = re.compile(r"(?<!\w)([*_~])")  # could open a formatted run
_CLOSING_MARK = re.compile(r"([*_~])(?!\w)")  # could close one

TEXT_HINT = _("Type your answer here as a message, or tap a button.")
SHORTENED = _("(message shortened)")
ERROR_MARK = ":warning: "


FILE_LIMIT = 1 << 30  # Slack takes files of up to 1 GB


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What chat.postMessage and response_url posts take: fallback text and blocks.
    ``files`` are shared after the message, in the same conversation (a response_url
    can't carry files: they go to the person's DM)."""

    text: str
    blocks: tuple[Block, ...]
    files: tuple[Attachment, ...] = ()

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": list(self.blocks)}


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters, and keep
    ``*bold*``, ``_italic_`` and ``~strike~`` from formatting.

    mrkdwn has no escape for its formatting marks; a mark formats only at a word's edge
    (``a*b*c`` stays as typed). So an invisible word joiner goes on the outer side of
    every mark at an edge, which makes it a mark inside a word: shown as typed, copied
    as typed (the core drops the joiner from anything typed back), and a mark inside a
    word (``mia_sousa``) is left alone.
    """
    text = well_formed(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if not any(mark in text for mark in FORMATTING_MARKS):
        return text
    text = _OPENING_MARK.sub(WORD_JOINER + r"\1", text)
    return _CLOSING_MARK.sub(r"\1" + WORD_JOINER, text)


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object for text that is already escaped."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(well_formed(text), limit), "emoji": True}


def render_reply(reply: Reply, *, first_button: int = 0) -> list[Block]:
    """One reply as blocks: text section(s), field section(s), buttons, a hint context."""
    reply = reply.localized()
    blocks: list[Block] = []
    body = _body_mrkdwn(reply)
    blocks.extend(_section(chunk) for chunk in _chunks(body, SECTION_TEXT_MAX))
    fields = []
    for f in reply.fields:
        text = f"*{escape(f.label)}*\n{escape(f.value)}"
        if len(text) <= FIELD_TEXT_MAX:
            fields.append(mrkdwn(text))
        else:  # too long for a field: whole, in sections of its own, never clipped
            blocks.extend(_section(chunk) for chunk in _chunks(text, SECTION_TEXT_MAX))
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + FIELDS_PER_SECTION]})
    buttons = [
        _button(choice.label, choice.action, choice.style, first_button + i)
        for i, choice in enumerate(reply.choices)
    ]
    if reply.form:
        # Beside the answers, before a closing "Cancel" (danger buttons stay last).
        at = len(buttons)
        while at > 0 and buttons[at - 1].get("style") == ChoiceStyle.DANGER.value:
            at -= 1
        buttons.insert(at, _form_button(reply.form, reply.language))
    for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
        blocks.append({"type": "actions", "elements": buttons[start : start + BUTTONS_PER_BLOCK]})
    if reply.expects_text:
        blocks.append(context(translate(TEXT_HINT, reply.language)))
    return blocks


def render_outcome(replies: Sequence[Reply], *, footer: str | None = None) -> SlackMessage:
    """All replies of one outcome as ONE message: one post per interaction keeps us far from
    the per-channel limit and keeps the replies in order. A file over Slack's limit is
    left off, and the text says so."""
    replies = [fit_attachment(reply, limit=FILE_LIMIT, where="Slack") for reply in replies]
    language = next((reply.language for reply in replies if reply.language), None)
    blocks: list[Block] = []
    button = 0
    for reply in replies:
        blocks.extend(render_reply(reply, first_button=button))
        button += len(reply.choices)
    if footer:
        blocks.append(context(translate(footer, language)))
    if len(blocks) > BLOCKS_PER_MESSAGE:
        # Never expected from the core; keep the message valid and say it was cut.
        blocks = [*blocks[: BLOCKS_PER_MESSAGE - 1], context(translate(SHORTENED, language))]
    files = tuple(reply.attachment for reply in replies if reply.attachment is not None)
    return SlackMessage(text=fallback_text(replies), blocks=tuple(blocks), files=files)


def fallback_text(replies: Iterable[Reply]) -> str:
    """The notification / screen-reader text: plain, escaped, short."""
    parts = []
    for reply in replies:
        line = reply.plain()
        if reply.is_error:
            line = "⚠ " + line
        if line:
            parts.append(line)
    return clip(escape("\n".join(parts)), FALLBACK_TEXT_MAX) or " "


def context(text: str) -> Block:
    """A grey context line; ``text`` is plain and gets escaped here."""
    return {"type": "context", "elements": [mrkdwn(escape(text))]}


def text_message(text: str, language: str | None = None) -> SlackMessage:
    """A one-section message from plain text (adapter notes such as the DM pointer),
    its messages written in ``language``."""
    text = translate(text, language)
    return SlackMessage(text=escape(text), blocks=(_section(escape(text)),))


def resolve_dialog_buttons(blocks: Sequence[Block], chosen: str) -> list[Block] | None:
    """The clicked message with its answer buttons removed and the choice noted under it.

    A dialog prompt or a question (Accept/Decline: ``Action.answer``) is answered once:
    leaving its buttons clickable invites stale presses. Returns None when the message has
    no such buttons (command buttons such as the profile card's stay usable) or ``blocks``
    is not a list of blocks.
    """
    kept: list[Block] = []
    removed = False
    for block in blocks:
        if not isinstance(block, dict):
            return None
        if block.get("type") == "actions" and _has_dialog_button(block):
            removed = True
            continue
        if block.get("type") == "context" and _is_text_hint(block):
            continue
        kept.append(block)
    if not removed:
        return None
    kept.append(context(f"› {chosen}"))
    return kept


# --- helpers ---------------------------------------------------------------------------------


def _body_mrkdwn(reply: Reply) -> str:
    lines: list[str] = []
    if reply.title:
        lines.append(f"*{escape(reply.title)}*")
    if reply.text:
        lines.append(escape(reply.text))
    body = "\n".join(lines)
    if body and reply.is_error:
        body = ERROR_MARK + body
    return body


def _section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def _button(label: str, action: str, style: ChoiceStyle, index: int) -> Block:
    button: Block = {
        "type": "button",
        "action_id": f"{ACTION_PREFIX}{index}",
        "text": plain(label, BUTTON_LABEL_MAX),
        "value": action,
    }
    if style is not ChoiceStyle.DEFAULT:
        button["style"] = style.value  # "primary" or "danger", as Slack names them
    return button


def _form_button(dialog_id: str, language: str | None) -> Block:
    return {
        "type": "button",
        "action_id": FORM_ACTION_ID,
        "text": plain(translate(FORM_BUTTON_LABEL, language), BUTTON_LABEL_MAX),
        "value": dialog_id,
    }


def _chunks(text: str, limit: int) -> list[str]:
    """Split on line ends where possible; an escape sequence is never cut in half."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
            amp = text.rfind("&", cut - 5, cut)
            if amp != -1 and ";" not in text[amp:cut]:
                cut = amp
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        chunks.append(text)
    return chunks


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis; never inside an escape."""
    if len(text) <= limit:
        return text
    cut = limit - 1
    amp = text.rfind("&", cut - 5, cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return text[:cut] + "…"


def _has_dialog_button(block: Block) -> bool:
    for element in block.get("elements", []):
        if isinstance(element, dict) and element.get("action_id") == FORM_ACTION_ID:
            return True
        value = element.get("value") if isinstance(element, dict) else None
        if isinstance(value, str):
            try:
                if Action.decode(value).answers_its_message:
                    return True
            except ValueError:
                continue
    return False


def _is_text_hint(block: Block) -> bool:
    elements = block.get("elements") or []
    return (
        len(elements) == 1
        and isinstance(elements[0], dict)
        and elements[0].get("text") in _text_hints()
    )


@functools.cache
def _text_hints() -> frozenset[str]:
    """The hint under a prompt in every language it may have been sent in."""
    return frozenset(escape(translate(TEXT_HINT, language)) for language in (*LANGUAGES, PSEUDO))
