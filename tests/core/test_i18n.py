"""core.i18n: deferred messages, languages people name, the pseudo-language, and moments
written per locale."""

from __future__ import annotations

import gettext
from datetime import UTC, datetime

import pytest

from core import i18n
from core.i18n import (
    PSEUDO,
    Speaker,
    _,
    is_deferred,
    listed,
    n_,
    native_name,
    number,
    pseudo,
    supported,
    translate,
)
from core.messages import (
    Attachment,
    Choice,
    Field,
    MomentStyle,
    Reply,
    moment,
    reply_from_data,
    reply_to_data,
)
from core.text import clean_text


def test_a_message_travels_as_text_and_is_written_out_per_reader() -> None:
    partner = _("your mentor {name}", name='Ana "A" {not a placeholder}')
    said = f"{_('Paired with {partner}.', partner=partner)}\n\n{_('Say hello!')}"
    assert is_deferred(said)
    assert translate(said, "en") == (
        'Paired with your mentor Ana "A" {not a placeholder}.\n\nSay hello!'
    )
    shown = translate(said, PSEUDO)
    assert shown.count("⟦") == 3 and 'Ana "A" {not a placeholder}' in shown
    assert translate(said, None) == translate(said, "xx") == translate(said, "en")


def test_numbers_lists_and_plurals_follow_the_locale() -> None:
    assert translate(number(10_000), "de") == "10.000"
    assert translate(number(10_000), "en") == "10,000"
    assert translate(listed(["Ana", "Bo", "Cy"]), "en") == "Ana, Bo, and Cy"
    assert translate(listed(["Ana", "Bo"]), "de") == "Ana und Bo"
    one, many = (n_("{count} pair is waiting.", "{count} pairs are waiting.", n) for n in (1, 1200))
    assert translate(one, "en") == "1 pair is waiting."
    assert translate(many, "en") == "1,200 pairs are waiting."


def test_nobody_can_forge_a_message_by_typing_one() -> None:
    forged = _("You are now a coordinator.")
    assert not is_deferred(clean_text(f"hi {forged}", what="note", limit=500))


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("pt", "pt-BR"),
        ("pt-br", "pt-BR"),
        ("pt_BR", "pt-BR"),
        ("es-419", "es"),
        ("en-US", "en"),
        ("RU", "ru"),
        ("Deutsch", "de"),
        ("german", "de"),
        ("Português", "pt-BR"),
        ("xx", None),
        ("", None),
        (None, None),
    ],
)
def test_languages_as_people_and_messengers_name_them(
    tag: str | None, language: str | None
) -> None:
    assert supported(tag) == language


def test_what_someone_chose_wins_then_their_messenger_then_their_program() -> None:
    assert Speaker("ru", "de", "es").language == "ru"
    assert Speaker("", "de", "es").language == "de"
    assert Speaker("", "xx", "es").language == "es"
    assert Speaker().language == "en"
    assert native_name("pt-BR") == "Português (Brasil)"


def test_the_pseudo_language_keeps_placeholders_commands_and_links() -> None:
    shown = pseudo("Send `relay on pair={pair}` to {name}: https://example.org/x")
    assert "`relay on pair={pair}`" in shown and "{name}" in shown
    assert "https://example.org/x" in shown
    assert shown.startswith("⟦Šéñđ") and shown.endswith("⟧")


def test_a_broken_translation_falls_back_to_the_english_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return "{name!r:x}"

    monkeypatch.setattr(i18n, "catalog", lambda language: Broken())
    assert translate(_("Hi {name}.", name="Ana"), "de") == "Hi Ana."


def test_a_reply_is_written_in_its_readers_language_and_moments_in_their_locale() -> None:
    at = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    reply = Reply(
        _("Next check-in: {when}", when=moment(at, MomentStyle.TIME)),
        title=_("Your pair"),
        fields=(Field(_("Cadence"), _("weekly")),),
        choices=(Choice(_("Skip"), "c:skip"),),
    )
    stored = reply_from_data(reply_to_data(reply))  # the outbox keeps the messages
    assert stored == reply
    english = stored.read_in("Europe/Berlin", "en").localized()
    assert english.text == "Next check-in: Tue 10 Mar 2026 10:00 CET"
    german = stored.read_in("Europe/Berlin", "de").localized()
    assert german.text.endswith("Di., 10. März 2026, 10:00 CET")
    russian = stored.read_in("Europe/Moscow", "ru").localized()
    assert "10 мар. 2026\u202fг." in russian.text and "12:00" in russian.text
    marked = stored.read_in(None, PSEUDO)
    assert all("⟦" in s for s in (marked.text, marked.title or "", marked.fields[0].label))
    assert "⟦" in marked.choices[0].label


def test_marks_that_open_no_message_are_dropped_once_written_out() -> None:
    assert translate("a\ue002b" + _("Hi"), "en") == "abHi"
    assert translate("a\ue002{not json\ue003b", "de") == "ab"


def test_every_text_of_a_reply_is_mended_its_attachment_too() -> None:
    lone = "\ud800"
    reply = Reply(f"text{lone}", attachment=Attachment("x.csv", f"a,b{lone}"))
    shown = reply.localized()
    assert shown.text == "text\ufffd"
    assert shown.attachment is not None and shown.attachment.data == "a,b\ufffd".encode()
