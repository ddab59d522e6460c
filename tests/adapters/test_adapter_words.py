"""What an adapter says in its own words (hints, extra buttons, modal labels) is in the
reader's language: the hub's reply's where there is one, else the messenger's locale.

The pseudo language (core.i18n) wraps every translated text in ⟦…⟧: a word that escaped
translation would show as plain English.
"""

from __future__ import annotations

from datetime import datetime

from adapters.discord.render import answer_modal_payload, render_reply
from adapters.slack import forms
from adapters.slack.render import render_outcome, resolve_dialog_buttons, text_message
from adapters.telegram.render import non_text_hint, private_chat_invite
from core.dialogs import FormField
from core.i18n import PSEUDO, PSEUDO_OPEN
from core.messages import Choice, Reply
from core.model import Program

PROMPT = "Which time zone?"
CHOICES = (Choice("Europe/Berlin", "d:1:2:Europe/Berlin"),)


def _texts(blocks: object) -> list[str]:
    """Every text in a Block Kit structure."""
    if isinstance(blocks, dict):
        found = [blocks["text"]] if isinstance(blocks.get("text"), str) else []
        return found + [t for value in blocks.values() for t in _texts(value)]
    if isinstance(blocks, (list, tuple)):
        return [t for item in blocks for t in _texts(item)]
    return []


def test_slack_hint_and_form_button_follow_the_replys_language() -> None:
    prompt = Reply(PROMPT, choices=CHOICES, expects_text=True, form="7", language=PSEUDO)
    message = render_outcome([prompt])
    texts = _texts(list(message.blocks))
    hint = next(t for t in texts if "Ţýþé ýöûŕ àñšŵéŕ" in t)
    assert hint.startswith(PSEUDO_OPEN)
    assert any(t.startswith(PSEUDO_OPEN) and "Ƒîĺĺ îñ" in t for t in texts)  # the form button
    assert not any("Type your answer" in t or "Fill in as a form" in t for t in texts)
    # the hint in the reader's language is still recognized, and removed with the buttons
    resolved = resolve_dialog_buttons(message.blocks, "Europe/Berlin")
    assert resolved is not None
    assert hint not in _texts(resolved)

    english = render_outcome([Reply(PROMPT, choices=CHOICES, expects_text=True, form="7")])
    assert "Type your answer here as a message, or tap a button." in _texts(list(english.blocks))


def test_slack_notes_and_modal_buttons_in_the_language_given() -> None:
    from adapters.slack.adapter import DM_POINTER

    assert text_message(DM_POINTER).text == "I've sent you a direct message to continue there."
    assert text_message(DM_POINTER, PSEUDO).text.startswith(f"{PSEUDO_OPEN}Î'ṽé šéñţ")
    field = FormField("mode", "How?", (("Chat", "chat"),), free_text=True, optional=False)
    view = forms.modal("agreement", [field], "9", PSEUDO)
    assert view["submit"]["text"].startswith(f"{PSEUDO_OPEN}Šéñđ")
    assert view["close"]["text"].startswith(f"{PSEUDO_OPEN}Çàñçéĺ")
    select = view["blocks"][0]
    other = select["element"]["options"][-1]
    assert other["value"] == forms.OTHER_VALUE and other["text"]["text"].startswith(PSEUDO_OPEN)
    # "Other…" picked: the box under it is labelled in the same language
    updated = forms.after_pick(view, "mode", forms.OTHER_VALUE)
    assert updated is not None
    assert updated["blocks"][1]["label"]["text"].startswith(f"{PSEUDO_OPEN}Öţĥéŕ")
    english = forms.after_pick(forms.modal("agreement", [field], "9"), "mode", forms.OTHER_VALUE)
    assert english is not None and english["blocks"][1]["label"]["text"] == "Other"


def test_discord_answer_button_and_modal_in_the_readers_language() -> None:
    prompt = Reply(PROMPT, choices=CHOICES, expects_text=True, language=PSEUDO)
    [answer, *_rest] = render_reply(prompt, answer_button=True).buttons
    assert answer.label.startswith(f"{PSEUDO_OPEN}Ţýþé ýöûŕ àñšŵéŕ")
    english = render_reply(Reply(PROMPT, choices=CHOICES, expects_text=True), answer_button=True)
    assert english.buttons[0].label == "Type your answer"
    modal = answer_modal_payload(PROMPT, PSEUDO)
    assert modal["title"].startswith(PSEUDO_OPEN)
    assert modal["components"][-1]["description"].startswith(f"{PSEUDO_OPEN}Ûþ ţö 2,000")
    assert answer_modal_payload(PROMPT)["components"][-1]["description"] == (
        "Up to 2,000 characters. Tap Submit to send it."
    )


def test_telegram_invitation_and_hint_in_the_locales_language() -> None:
    assert non_text_hint(PSEUDO).text.startswith(f"{PSEUDO_OPEN}Î çàñ öñĺý")
    assert "/help" in non_text_hint(PSEUDO).text  # the command stays as typed
    program = Program("design-26", "Design & <crit>", created_at=datetime(2026, 3, 2))
    invite = private_chat_invite("bot", program, PSEUDO)
    assert "<b>Design &amp; &lt;crit&gt;</b>" in invite.text
    assert invite.text.startswith(f"{PSEUDO_OPEN}Ĺéţ'š ţàĺķ")
    assert invite.keyboard is not None
    [[button]] = invite.keyboard.inline_keyboard
    assert button.text.startswith(f"{PSEUDO_OPEN}Ĵöîñ")
