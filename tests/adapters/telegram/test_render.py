"""Reply -> Telegram HTML: exact output, escaping, no mentions or links, the 4096 limit."""

from __future__ import annotations

from datetime import datetime

from adapters.telegram.render import (
    MAX_MESSAGE_LENGTH,
    Rendered,
    defang,
    non_text_hint,
    private_chat_invite,
    render,
    render_plain,
)
from core.commands import build_registry
from core.messages import Action, Choice, ChoiceStyle, Field, Reply
from core.model import Program
from core.syntax import NativeCommands, PrefixedSyntax

WJ = "\u2060"  # WORD JOINER: invisible, breaks Telegram's mention/link detection
COMMANDS = NativeCommands(build_registry(), PrefixedSyntax("/"))


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_title_text_fields_and_buttons() -> None:
    reply = Reply(
        "Here it is.",
        title="Your profile",
        fields=(Field("Name", "Ada"), Field("Time zone", "Europe/Berlin")),
        choices=(
            Choice("Change time zone", Action.command("profile", "timezone").encode()),
            Choice("Cancel", "c:cancel", ChoiceStyle.DANGER),
        ),
    )
    [message] = render(reply, commands=COMMANDS)
    assert message.text == (
        "<b>Your profile</b>\nHere it is.\n<b>Name</b>: Ada\n<b>Time zone</b>: Europe/Berlin"
    )
    assert message.parse_mode == "HTML"
    assert message.keyboard is not None
    assert message.keyboard.to_dict() == {
        "inline_keyboard": [
            [{"text": "Change time zone", "callback_data": "c:profile:timezone"}],
            [{"text": "Cancel", "callback_data": "c:cancel"}],
        ]
    }


def test_markup_in_user_text_is_shown_as_text() -> None:
    name = '<b>&</b> <a href="https://evil.example/x">click</a> <tg-spoiler>'
    reply = Reply(f"You're registered, {name}.", title=name, fields=(Field(name, name),))
    [message] = render(reply)
    shown = '&lt;b&gt;&amp;&lt;/b&gt; &lt;a href="https:' + WJ + "//evil." + WJ
    shown += 'example/x"&gt;click&lt;/a&gt; &lt;tg-spoiler&gt;'
    assert message.text == (f"<b>{shown}</b>\nYou're registered, {shown}.\n<b>{shown}</b>: {shown}")
    assert "<a" not in message.text
    assert "<tg-spoiler>" not in message.text


def test_mentions_and_links_are_broken_invisibly() -> None:
    text = "@everyone @channel hi @al, mail a@b.org, see t.me/x or tg://resolve; pi is 3.14"
    [message] = render(Reply(text))
    assert message.text == (
        f"@{WJ}everyone @{WJ}channel hi @{WJ}al, mail a@{WJ}b.{WJ}org, "
        f"see t.{WJ}me/x or tg:{WJ}//resolve; pi is 3.14"
    )
    assert message.text.replace(WJ, "") == text  # nothing visible changed


def test_backticks_become_commands_or_code() -> None:
    reply = Reply(
        "Send `start` to register, `help <command>` for more, `enroll design mentee` to"
        " join, with `pair=3` or a zone like `Europe/Lisbon`."
    )
    [message] = render(reply, commands=COMMANDS)
    assert message.text == (
        "Send /start to register, /help &lt;command&gt; for more, /enroll design mentee to"
        " join, with <code>pair=3</code> or a zone like <code>Europe/Lisbon</code>."
    )


def test_errors_are_marked() -> None:
    [message] = render(Reply("'Mars' is not a time zone I know.\nTry a city.", is_error=True))
    assert message.text == "⚠️ 'Mars' is not a time zone I know.\nTry a city."


def test_choice_callback_data_is_the_action_id_verbatim() -> None:
    action = "d:123456:78:America/Argentina/ComodRivadavia"
    [message] = render(Reply("Zone?", choices=(Choice("Comodoro", action),)))
    assert message.keyboard is not None
    [[button]] = message.keyboard.inline_keyboard
    assert button.callback_data == action
    assert len(action.encode()) <= 64


def test_long_text_is_split_at_line_breaks_with_the_keyboard_last() -> None:
    lines = [f"line {n:04d} " + "x" * 90 for n in range(120)]  # ~12,000 characters
    reply = Reply("\n".join(lines), title="Long", choices=(Choice("OK", "c:help"),))
    messages = render(reply)
    assert len(messages) == 3
    assert all(_utf16(m.text) <= MAX_MESSAGE_LENGTH for m in messages)
    assert [m.keyboard is not None for m in messages] == [False, False, True]
    rejoined = "\n".join(m.text for m in messages)
    assert rejoined == "<b>Long</b>\n" + "\n".join(lines)  # cut between lines only


def test_a_single_huge_line_is_cut_without_breaking_an_entity() -> None:
    text = "&<" * 3000  # 6,000 characters, 27,000 once escaped
    messages = render(Reply(text))
    assert all(_utf16(m.text) <= MAX_MESSAGE_LENGTH for m in messages)
    joined = "".join(m.text for m in messages)
    assert joined == "&amp;&lt;" * 3000
    for message in messages:
        assert message.text.startswith("&amp;") or message.text.startswith("&lt;")
        assert message.text.endswith(";")


def test_astral_characters_count_twice_and_are_never_split() -> None:
    text = "🙂" * 3000  # 6,000 UTF-16 units
    messages = render(Reply(text))
    assert [_utf16(m.text) for m in messages] == [4096, 1904]
    assert "".join(m.text for m in messages) == text


def test_buttons_without_text_still_get_a_message() -> None:
    [message] = render(Reply("", choices=(Choice("Go", "c:help"),)))
    assert message.text == "…"
    assert message.keyboard is not None


def test_an_empty_reply_renders_nothing() -> None:
    assert render(Reply("")) == []


def test_plain_fallback_has_no_markup() -> None:
    reply = Reply("a <b> `help` @x", title="T&", fields=(Field("k", "v"),))
    [message] = render_plain(reply)
    assert message == Rendered(f"T&\na <b> help @{WJ}x\nk: v", None, None)


def test_private_chat_invite_links_the_bot() -> None:
    invite = private_chat_invite("mentorhub_test_bot")
    assert invite.text.startswith("Let's talk in private")
    assert invite.keyboard is not None
    assert invite.keyboard.to_dict() == {
        "inline_keyboard": [
            [{"text": "Open a private chat", "url": "https://t.me/mentorhub_test_bot"}]
        ]
    }
    assert non_text_hint().text == "I can only read text messages. Send /help to see what I can do."


def test_a_programs_group_invite_is_its_invitation_link() -> None:
    program = Program("design-26", "Design & <crit> @all", created_at=datetime(2026, 3, 2))
    invite = private_chat_invite("mentorhub_test_bot", program)
    assert invite.text.endswith(f"\nTo join <b>Design &amp; &lt;crit&gt; @{WJ}all</b>, tap below.")
    assert invite.keyboard is not None
    [[button]] = invite.keyboard.inline_keyboard
    assert (button.text, button.url) == (
        "Join in a private chat",
        "https://t.me/mentorhub_test_bot?start=join_design-26",
    )


def test_defang_leaves_ordinary_text_alone() -> None:
    ordinary = "Hello, Ada! Meet at 10.30 on 2026-03-02; cost 3.5 € (or $4)."
    assert defang(ordinary) == ordinary


def test_defang_breaks_commands_in_user_text() -> None:
    """Telegram makes "/verb" tappable where its clients find bot commands (not after a
    word character, "/", "<", ">" or a backslash)."""
    assert defang("/pause now") == f"/{WJ}pause now"
    assert defang("x (/end) y\n/leave@bot") == f"x (/{WJ}end) y\n/{WJ}leave@{WJ}bot"
    assert defang("and/or 1/2 </b> a//b \\/x") == "and/or 1/2 </b> a//b \\/x"


def test_no_message_of_a_long_reply_starts_with_a_tappable_command() -> None:
    """ "…e/pause" is no command, but split there, the next message would start "/pause"."""
    value = ("/pause" * 2000)[:8174]
    for rendered in render(Reply("", fields=(Field("Note", value),))):
        assert not rendered.text.startswith("/")
    text = "x" * 4095 + "/pause"
    pages = render(Reply(text))
    assert len(pages) == 2 and not pages[1].text.startswith("/")


def test_a_lone_surrogate_is_replaced_and_a_pair_joined() -> None:
    (rendered,) = render(Reply("a\ud800b \ud83d\ude00"))
    assert rendered.text == "a\ufffdb 😀"
