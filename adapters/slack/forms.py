"""Form-capable dialogs as Slack modals: the view we open, and what a submission says.
Pure functions.

One field of the core's form becomes one input, labelled and hinted for a form (the
step's ``label``/``hint``, else its question):

- choices only (``free_text`` False): a ``static_select``, block id = the field key;
- free text only: a ``plain_text_input``, block id = the field key;
- choices *and* free text (most agreement steps: "Weekly" or a number of days): a
  ``static_select`` with one more option, "Other…". Its input block dispatches the pick
  (``dispatch_action``): choosing "Other…" adds a text box for it right under the select
  (``views.update``, see :func:`after_pick`, block id = key + ``OWN_SUFFIX``), choosing
  anything else takes that box away. Slack keeps what was entered in blocks that stay.

Field errors go back on the block the person used: the text input when they typed there,
else the field's main block. Everything here is ``plain_text``, which Slack never parses for
mentions or links, so nothing is escaped; only Slack's length limits are applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.slack.render import Block, clip
from core.dialogs import FormField
from core.i18n import LANGUAGES, PSEUDO, _, p_, translate
from core.messages import well_formed

__all__ = [
    "CALLBACK_ID",
    "OWN_SUFFIX",
    "Submission",
    "after_pick",
    "field_errors",
    "labels",
    "modal",
    "read_submission",
]

CALLBACK_ID = "mh_form"
OWN_SUFFIX = ".own"
INPUT_ACTION_ID = "value"  # one element per input block, so one id serves all

# Slack's limits for modals (https://docs.slack.dev/reference/block-kit).
TITLE_MAX = 24  # modal title, submit and close labels
LABEL_MAX = 2000  # input block label and hint
PLACEHOLDER_MAX = 150
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
BLOCKS_MAX = 100
TEXT_INPUT_MAX = 3000  # plain_text_input max_length
ERROR_MAX = 500  # not documented; long errors are cut rather than refused

OTHER_VALUE = "mh:other"  # the "Other…" option: never a step's own value
# Translators: the last option of a list in a form: choosing it opens a box to type in.
OTHER_LABEL = _("Other…")
# Translators: the label of that box, where a person types their own answer.
OWN_WORDS_LABEL = _("Other")


@dataclass(frozen=True, slots=True)
class Submission:
    """A submitted modal: whose form it is and what each field holds."""

    team: str
    user_id: str
    user_name: str
    dialog_id: str
    values: dict[str, str]  # field key → typed text, else the picked option's value
    answered_in: dict[str, str]  # field key → the block its answer came from


def modal(
    title: str, fields: Sequence[FormField], dialog_id: str, language: str | None = None
) -> dict[str, Any]:
    """The ``views.open`` view for one open dialog; ``private_metadata`` is its id. The
    hub wrote its title and fields in the reader's ``language``; the buttons follow."""
    blocks: list[Block] = []
    for form_field in fields:
        blocks.extend(_field_blocks(form_field, language))
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": dialog_id,
        "title": _plain(title[:1].upper() + title[1:], TITLE_MAX),
        # Translators: the buttons of a form: send the answers, or close it unsent.
        "submit": _plain(translate(p_("form", "Send"), language), TITLE_MAX),
        "close": _plain(translate(p_("form", "Cancel"), language), TITLE_MAX),
        # Never expected from the core (the agreement has 9 fields); keep the view valid.
        "blocks": blocks[:BLOCKS_MAX],
    }


def read_submission(body: Mapping[str, Any]) -> Submission | None:
    """The ``view_submission`` of one of our modals, or None if it isn't one."""
    view = _mapping(body.get("view"))
    user = _mapping(body.get("user"))
    team = _str(_mapping(body.get("team")).get("id")) or _str(user.get("team_id"))
    user_id, dialog_id = _str(user.get("id")), _str(view.get("private_metadata"))
    if view.get("callback_id") != CALLBACK_ID or not team or not user_id or not dialog_id:
        return None
    state = _mapping(_mapping(view.get("state")).get("values"))
    picked: dict[str, str] = {}
    typed: dict[str, str] = {}
    for block_id, actions in state.items():
        element = _mapping(_mapping(actions).get(INPUT_ACTION_ID))
        value = _element_value(element).strip()
        if element.get("type") == "static_select":
            picked[block_id] = "" if value == OTHER_VALUE else value
        elif value:
            typed[block_id.removesuffix(OWN_SUFFIX)] = value
    answered_in = {
        key: block_id
        for block_id in state
        if (key := block_id.removesuffix(OWN_SUFFIX)) in typed and block_id not in picked
    }
    keys = {block_id.removesuffix(OWN_SUFFIX) for block_id in state}
    values = {key: typed.get(key) or picked.get(key, "") for key in keys}
    name = _str(user.get("name")) or _str(user.get("username"))
    return Submission(team, user_id, name, dialog_id, values, answered_in)


def field_errors(errors: Mapping[str, str], submission: Submission) -> dict[str, str]:
    """The core's errors by field key → Slack's ``errors`` by block id: on the text input
    when the person typed there, else on the field's main block (block id = the key)."""
    return {
        submission.answered_in.get(key, key): clip(message, ERROR_MAX)
        for key, message in errors.items()
    }


def after_pick(view: Mapping[str, Any], block_id: str, value: str) -> dict[str, Any] | None:
    """The modal after a pick in a field's select: with a text box under it for "Other…",
    without one otherwise. None when nothing changes. Returns the view as ``views.update``
    takes it (its id and hash travel beside it)."""
    blocks = [dict(_mapping(b)) for b in _sequence(view.get("blocks"))]
    ids = [_str(b.get("block_id")) for b in blocks]
    if block_id not in ids or block_id.endswith(OWN_SUFFIX):
        return None
    own = block_id + OWN_SUFFIX
    if (value == OTHER_VALUE) == (own in ids):
        return None
    if own in ids:
        blocks.pop(ids.index(own))
    else:
        select = blocks[ids.index(block_id)]
        box = _input(
            own,
            translate(OWN_WORDS_LABEL, _language_of(select)),
            _text_input(multiline=False),
            optional=bool(select.get("optional")),
        )
        blocks.insert(ids.index(block_id) + 1, box)
    updated = {
        key: view[key]
        for key in ("type", "callback_id", "private_metadata", "title", "submit", "close")
        if key in view
    }
    updated["blocks"] = blocks[:BLOCKS_MAX]
    return updated


def labels(body: Mapping[str, Any]) -> dict[str, str]:
    """Field key → its label in the submitted view (to name fields outside the modal)."""
    out: dict[str, str] = {}
    for block in _sequence(_mapping(body.get("view")).get("blocks")):
        block = _mapping(block)
        block_id = _str(block.get("block_id"))
        label = _str(_mapping(block.get("label")).get("text"))
        if block_id and label and not block_id.endswith(OWN_SUFFIX):
            out[block_id] = label
    return out


# --- helpers ---------------------------------------------------------------------------------


def _language_of(select: Mapping[str, Any]) -> str | None:
    """The language a field's select was written in: the one its "Other…" option is in."""
    options = _sequence(_mapping(select.get("element")).get("options"))
    other = next((_mapping(o) for o in options if _mapping(o).get("value") == OTHER_VALUE), {})
    shown = _str(_mapping(other.get("text")).get("text"))
    for language in (*LANGUAGES, PSEUDO):
        if shown == _plain(translate(OTHER_LABEL, language), OPTION_TEXT_MAX)["text"]:
            return language
    return None


def _field_blocks(form_field: FormField, language: str | None = None) -> list[Block]:
    options = _options(form_field.choices)
    label, hint = form_field.label or form_field.key, form_field.hint
    optional = form_field.optional
    if options and not form_field.free_text:
        select = _select(options, language)
        return [_input(form_field.key, label, select, optional=optional, hint=hint)]
    if not options:
        text = _text_input(multiline=True)
        return [_input(form_field.key, label, text, optional=optional, hint=hint)]
    other = {
        "text": _plain(translate(OTHER_LABEL, language), OPTION_TEXT_MAX),
        "value": OTHER_VALUE,
    }
    offered = _select([*options[: OPTIONS_MAX - 1], other], language)
    select = _input(form_field.key, label, offered, optional=optional)
    select["dispatch_action"] = True  # "Other…" adds a text box (after_pick)
    if hint:
        select["hint"] = _plain(hint, LABEL_MAX)
    return [select]


def _options(choices: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Select options; one per value (Slack refuses duplicates). A value too long for an
    option (or one that can't be sent: a lone surrogate) can't be offered here, but its
    label can still be typed."""
    seen: set[str] = set()
    options = []
    for label, value in choices:
        if not value or value in seen or len(value) > OPTION_VALUE_MAX or value == OTHER_VALUE:
            continue
        if well_formed(value) != value:
            continue
        seen.add(value)
        options.append({"text": _plain(label or value, OPTION_TEXT_MAX), "value": value})
    return options[:OPTIONS_MAX]


def _select(options: list[dict[str, Any]], language: str | None) -> Block:
    # Translators: the placeholder of a list to pick from in a form.
    choose = translate(_("Choose"), language)
    return {
        "type": "static_select",
        "action_id": INPUT_ACTION_ID,
        "placeholder": _plain(choose, PLACEHOLDER_MAX),
        "options": options,
    }


def _text_input(*, multiline: bool) -> Block:
    return {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION_ID,
        "multiline": multiline,
        "max_length": TEXT_INPUT_MAX,
    }


def _input(
    block_id: str, label: str, element: Block, *, optional: bool, hint: str | None = None
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label, LABEL_MAX),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint, LABEL_MAX)
    return block


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(well_formed(text), limit) or " ", "emoji": True}


def _element_value(element: Mapping[str, Any]) -> str:
    if element.get("type") == "static_select":
        return _str(_mapping(element.get("selected_option")).get("value"))
    return _str(element.get("value"))


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _sequence(value: object) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
