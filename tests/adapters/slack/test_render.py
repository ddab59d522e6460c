"""Reply → Block Kit: exact blocks, escaping that makes injection harmless, Slack's limits."""

from __future__ import annotations

from typing import Any

from adapters.slack.render import (
    TEXT_HINT,
    SlackMessage,
    escape,
    render_outcome,
    render_reply,
    resolve_dialog_buttons,
    text_message,
)
from core.i18n import translate
from core.messages import Action, Choice, ChoiceStyle, Field, Reply

HINT = {
    "type": "context",
    "elements": [{"type": "mrkdwn", "text": translate(TEXT_HINT, None), "verbatim": True}],
}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def button(index: int, label: str, value: str, style: str | None = None) -> dict[str, Any]:
    out = {
        "type": "button",
        "action_id": f"mh:{index}",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": value,
    }
    if style:
        out["style"] = style
    return out


def test_escape_the_three_control_characters() -> None:
    assert escape("a & b <!channel> <@U123> <https://x.example|y>") == (
        "a &amp; b &lt;!channel&gt; &lt;@U123&gt; &lt;https://x.example|y&gt;"
    )
    assert escape("&amp;") == "&amp;amp;"  # typed text stays what was typed


def test_injection_in_title_text_and_fields_is_rendered_harmlessly() -> None:
    reply = Reply(
        "Hi <!channel> & <@U123>, see <https://evil.example|your bank>",
        title="<!here> Alert",
        fields=(Field("Name <@U999>", "Tom & <!everyone>"),),
    )
    assert render_reply(reply) == [
        section(
            "*&lt;!here&gt; Alert*\n"
            "Hi &lt;!channel&gt; &amp; &lt;@U123&gt;, see &lt;https://evil.example|your bank&gt;"
        ),
        {
            "type": "section",
            "fields": [
                {
                    "type": "mrkdwn",
                    "text": "*Name &lt;@U999&gt;*\nTom &amp; &lt;!everyone&gt;",
                    "verbatim": True,
                }
            ],
        },
    ]
    message = render_outcome([reply])
    assert message.text == (
        "&lt;!here&gt; Alert\n"
        "Hi &lt;!channel&gt; &amp; &lt;@U123&gt;, see &lt;https://evil.example|your bank&gt;\n"
        "Name &lt;@U999&gt;: Tom &amp; &lt;!everyone&gt;"
    )
    for text in _all_mrkdwn(message):
        assert "<" not in text and ">" not in text


def test_buttons_carry_the_action_id_in_value_and_styles() -> None:
    accept = Action.command("accept", "12").encode()
    reply = Reply(
        "Pick one",
        choices=(
            Choice("Yes <!channel>", accept, ChoiceStyle.PRIMARY),
            Choice("Maybe", "d:5:3:maybe"),
            Choice("No", "c:cancel", ChoiceStyle.DANGER),
        ),
        expects_text=True,
    )
    assert render_reply(reply) == [
        section("Pick one"),
        {
            "type": "actions",
            "elements": [
                # plain_text is never parsed for mentions: the label goes as it is
                button(0, "Yes <!channel>", "c:accept:12", "primary"),
                button(1, "Maybe", "d:5:3:maybe"),
                button(2, "No", "c:cancel", "danger"),
            ],
        },
        HINT,
    ]


def test_errors_are_marked_and_replies_merge_into_one_message() -> None:
    error = Reply("'Mars/Base' is not a time zone.", is_error=True)
    prompt = Reply("Which time zone?", choices=(Choice("Europe/Berlin", "d:1:2:Europe/Berlin"),))
    message = render_outcome([error, prompt], footer="Use /mentor <command>")
    assert message == SlackMessage(
        text="⚠ 'Mars/Base' is not a time zone.\nWhich time zone?",
        blocks=(
            section(":warning: 'Mars/Base' is not a time zone."),
            section("Which time zone?"),
            {"type": "actions", "elements": [button(0, "Europe/Berlin", "d:1:2:Europe/Berlin")]},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": "Use /mentor &lt;command&gt;", "verbatim": True}
                ],
            },
        ),
    )
    assert message.as_kwargs() == {"text": message.text, "blocks": list(message.blocks)}


def test_button_numbers_continue_across_replies() -> None:
    first = Reply("a", choices=(Choice("1", "c:x"), Choice("2", "c:y")))
    second = Reply("b", choices=(Choice("3", "c:z"),))
    blocks = render_outcome([first, second]).blocks
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == ["mh:0", "mh:1", "mh:2"]


def test_slack_limits_fields_buttons_text_and_labels() -> None:
    reply = Reply(
        "x" * 2990 + "\n" + "y" * 20,
        fields=tuple(Field(f"f{i}", "v") for i in range(12)),
        choices=tuple(Choice("L" * 80 if i == 0 else f"b{i}", f"c:b{i}") for i in range(27)),
    )
    blocks = render_reply(reply)
    assert [b["type"] for b in blocks] == [
        "section",
        "section",
        "section",
        "section",
        "actions",
        "actions",
    ]
    assert blocks[0]["text"]["text"] == "x" * 2990
    assert blocks[1]["text"]["text"] == "y" * 20
    assert [len(b["fields"]) for b in blocks[2:4]] == [10, 2]
    assert [len(b["elements"]) for b in blocks[4:]] == [25, 2]
    assert blocks[4]["elements"][0]["text"]["text"] == "L" * 74 + "…"
    assert blocks[5]["elements"][-1]["action_id"] == "mh:26"


def test_an_escape_sequence_is_never_cut_in_half() -> None:
    reply = Reply("a" * 2998 + "&b")  # "&" becomes "&amp;" across the 3000 limit
    blocks = render_reply(reply)
    assert blocks[0]["text"]["text"] == "a" * 2998
    assert blocks[1]["text"]["text"] == "&amp;b"


def test_empty_reply_still_has_fallback_text() -> None:
    message = render_outcome([Reply("", fields=(Field("Name", "Ann"),))])
    assert message.text == "Name: Ann"
    assert render_outcome([]).text == " "


def test_text_message_escapes() -> None:
    assert text_message("a <b>") == SlackMessage("a &lt;b&gt;", (section("a &lt;b&gt;"),))


def test_resolve_dialog_buttons_removes_only_dialog_prompts() -> None:
    prompt = render_outcome(
        [
            Reply(
                "Which time zone?",
                choices=(
                    Choice("Europe/Berlin", "d:1:2:Europe/Berlin"),
                    Choice("Cancel", "c:cancel"),
                ),
                expects_text=True,
            )
        ]
    )
    resolved = resolve_dialog_buttons(prompt.blocks, "Europe/Berlin <!here>")
    assert resolved == [
        section("Which time zone?"),
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "› Europe/Berlin &lt;!here&gt;", "verbatim": True}
            ],
        },
    ]
    profile_card = render_outcome(
        [Reply("", title="Your profile", choices=(Choice("Change time zone", "c:profile:tz"),))]
    )
    assert resolve_dialog_buttons(profile_card.blocks, "Change time zone") is None
    assert resolve_dialog_buttons(["not a block"], "x") is None  # type: ignore[list-item]


def _all_mrkdwn(message: SlackMessage) -> list[str]:
    texts = []
    for block in message.blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(f["text"] for f in block.get("fields", []))
        if block["type"] == "context":
            texts.extend(e["text"] for e in block["elements"])
    return texts


def test_a_field_too_long_for_a_field_is_shown_whole_in_sections_never_clipped() -> None:
    value = ", ".join(f"Person {n} (3 d)" for n in range(400))  # ~6,000 characters
    blocks = render_reply(Reply("Status", fields=(Field("Waiting", value), Field("Pairs", "2"))))
    shown = "".join(
        block["text"]["text"] for block in blocks if block["type"] == "section" and "text" in block
    )
    assert value in shown.replace("\n", "")
    assert all("…" not in block.get("text", {}).get("text", "") for block in blocks)
    (small,) = [block for block in blocks if "fields" in block]
    assert small["fields"][0]["text"] == "*Pairs*\n2"
