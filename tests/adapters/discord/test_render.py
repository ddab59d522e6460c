"""Reply -> Discord message JSON, exactly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from adapters.discord.render import (
    ANSWER_BUTTON_ID,
    CONTENT_LIMIT,
    answer_modal_payload,
    escape,
    render_reply,
)
from core.messages import Action, Choice, ChoiceStyle, Field, Reply

ZW = "\u200b"


def test_escape_neutralises_markdown_mentions_and_entities() -> None:
    assert escape("**bold**") == r"\*\*bold\*\*"
    assert escape("@everyone and @here") == f"@{ZW}everyone and @{ZW}here"
    assert escape("<@&123456789012345678>") == f"<@{ZW}&123456789012345678>"
    assert escape("<@123456789012345678>") == f"<@{ZW}123456789012345678>"
    assert escape("<#123456789012345678> <t:1700000000:R>") == (
        f"<{ZW}#123456789012345678> <{ZW}t:1700000000:R>"
    )
    assert escape("# big\n> quote\n- item\n1. first") == "\\# big\n\\> quote\n\\- item\n1\\. first"
    assert escape("a_b `c` ||d|| ~e~") == r"a\_b \`c\` \|\|d\|\| \~e\~"
    assert escape("[x](http://evil.example)") == r"\[x](http://evil.example)"
    assert escape("see https://example.org/a_b") == "see https://example.org/a_b"


def test_plain_reply_is_escaped_content_without_mentions() -> None:
    message = render_reply(Reply("Hi @everyone, I'm **Ann** <@&123456789012345678>"))
    assert message.payload() == {
        "content": f"Hi @{ZW}everyone, I'm \\*\\*Ann\\*\\* <@{ZW}&123456789012345678>",
        "allowed_mentions": {"parse": []},
    }


def test_title_is_a_bold_line_and_errors_are_marked() -> None:
    assert render_reply(Reply("Send `help`.", title="What_now")).content == (
        "**What\\_now**\nSend `help`."  # core's `span`: inline code, written as is
    )
    assert render_reply(Reply("`@everyone *x*` and *y* `")).content == (
        "`@everyone *x*` and \\*y\\* \\`"  # inside code nothing renders; outside, escaped
    )
    assert render_reply(Reply("No such zone.", is_error=True)).content == "⚠️ No such zone."


def test_fields_become_an_embed() -> None:
    reply = Reply(
        "",
        title="Your profile",
        fields=(Field("Name", "@everyone *Ann*"), Field("Languages", "")),
        choices=(Choice("Change time zone", Action.command("profile", "timezone").encode()),),
    )
    assert render_reply(reply).payload() == {
        "embeds": [
            {
                "title": "Your profile",
                "fields": [
                    {"name": "Name", "value": f"@{ZW}everyone \\*Ann\\*", "inline": False},
                    {"name": "Languages", "value": "-", "inline": False},
                ],
            }
        ],
        "components": [
            {
                "type": 1,
                "components": [
                    {
                        "type": 2,
                        "style": 2,
                        "disabled": False,
                        "label": "Change time zone",
                        "custom_id": "c:profile:timezone",
                    }
                ],
            }
        ],
        "allowed_mentions": {"parse": []},
    }


def test_error_embed_is_red() -> None:
    embed = render_reply(Reply("bad", fields=(Field("a", "b"),), is_error=True)).embed
    assert embed is not None
    assert embed["color"] == 0xED4245
    assert embed["description"] == "⚠️ bad"


def test_choices_become_rows_of_five_with_styles_and_unescaped_labels() -> None:
    choices = (
        *(Choice(f"**{i}**", f"d:1:2:{i}") for i in range(7)),
        Choice("Yes", "c:yes", ChoiceStyle.PRIMARY),
        Choice("Cancel", "c:cancel", ChoiceStyle.DANGER),
        Choice("Cancel again", "c:cancel", ChoiceStyle.DANGER),  # same id: dropped
    )
    message = render_reply(Reply("Pick", choices=choices))
    rows = message.payload()["components"]
    assert [len(r["components"]) for r in rows] == [5, 4]
    flat = [b for r in rows for b in r["components"]]
    assert flat[0]["label"] == "**0**"  # labels are shown verbatim by Discord
    assert [b["style"] for b in flat[-2:]] == [1, 4]
    assert [b["custom_id"] for b in flat].count("c:cancel") == 1


def test_answer_button_only_when_text_is_expected_and_asked_for() -> None:
    reply = Reply("Which time zone?", choices=(Choice("UTC", "d:1:2:UTC"),), expects_text=True)
    with_answer = render_reply(reply, answer_button=True)
    assert [(b.label, b.custom_id, int(b.style)) for b in with_answer.buttons] == [
        ("Type your answer", ANSWER_BUTTON_ID, 1),
        ("UTC", "d:1:2:UTC", 2),
    ]
    assert [b.custom_id for b in render_reply(reply).buttons] == ["d:1:2:UTC"]
    no_text = Reply("Pick", choices=(Choice("UTC", "d:1:2:UTC"),))
    assert [b.custom_id for b in render_reply(no_text, answer_button=True).buttons] == ["d:1:2:UTC"]


def test_long_text_moves_to_embeds_and_goes_on_in_the_next_one() -> None:
    long = "x" * (CONTENT_LIMIT + 10)
    message = render_reply(Reply(long, title="Help"))
    assert message.content == ""
    assert message.embeds == ({"title": "Help", "description": long},)
    huge = render_reply(Reply("y" * 5000))  # one line: cut at the limit, not lost
    assert [e["description"] for e in huge.embeds] == ["y" * 4096, "y" * 904]
    lines = render_reply(Reply("\n".join(["z" * 99] * 50)))  # 4,999: split between lines
    assert [len(e["description"]) for e in lines.embeds] == [40 * 100 - 1, 10 * 100 - 1]
    beyond = render_reply(Reply("w" * 7000, title="T"))  # more than a message holds
    assert embed_total(beyond.embeds) == 6000
    assert beyond.embeds[-1]["description"].endswith("…")


def embed_total(embeds: tuple[Mapping[str, Any], ...]) -> int:
    total = 0
    for embed in embeds:
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return total


@pytest.mark.parametrize("title", ["", "Status", "T" * 300])
@pytest.mark.parametrize("text", ["", "short", "a" * 1990, "b\n" * 2600, "c" * 9000])
@pytest.mark.parametrize("fields", [0, 3, 30, 300])
@pytest.mark.parametrize("is_error", [False, True])
def test_every_embed_combination_stays_within_discords_limits(
    title: str, text: str, fields: int, is_error: bool
) -> None:
    values = ["v" * 1024, "x", "y" * 300]
    reply = Reply(
        text,
        title=title,
        fields=tuple(Field(f"f{n}" * 80, values[n % 3]) for n in range(fields)),
        is_error=is_error,
    )
    message = render_reply(reply)
    assert len(message.content) <= CONTENT_LIMIT
    assert len(message.embeds) <= 10
    assert embed_total(message.embeds) <= 6000
    for embed in message.embeds:
        assert len(embed.get("title", "")) <= 256
        assert len(embed.get("description", "")) <= 4096
        assert len(embed.get("fields", [])) <= 25
        for f in embed.get("fields", []):
            assert len(f["name"]) <= 256 and len(f["value"]) <= 1024
    if fields and message.embeds:  # every field that fits is shown, else it says so
        shown = [f for e in message.embeds for f in e.get("fields", [])]
        assert len(shown) == fields or shown[-1]["value"] == "(shortened)"


def test_answer_modal_payload() -> None:
    payload = answer_modal_payload("Which **time zone**?")
    assert [c["type"] for c in payload["components"]] == [10, 18]
    assert payload["components"][1]["component"]["custom_id"] == "answer"
    assert [c["type"] for c in answer_modal_payload(" ")["components"]] == [18]


def test_an_empty_reply_still_is_a_valid_message() -> None:
    assert render_reply(Reply("")).payload() == {
        "content": "…",
        "allowed_mentions": {"parse": []},
    }


def test_every_masked_link_is_escaped_not_just_the_first() -> None:
    """escape_markdown's greedy pattern escaped only the first "[" of a line: the second
    link of "[docs](ok) and [Click here](evil)" stayed live."""
    text = "see [docs](https://ok.example) and [Click here](https://evil.example/login)"
    assert escape(text) == (
        r"see \[docs](https://ok.example) and \[Click here](https://evil.example/login)"
    )
    assert escape("[a](<https://one.example>) [b](<https://two.example>)") == (
        r"\[a](<https://one.example>) \[b](<https://two.example>)"
    )
    nested = escape("[[x](https://a.example)](https://b.example) [y]](https://c.example)")
    assert nested == (r"\[\[x](https://a.example)](https://b.example) \[y]](https://c.example)")
    # a typed backslash can't cancel the escape: it is shown as a backslash
    assert escape(r"\[z](https://evil.example)") == r"\\\[z](https://evil.example)"
    rendered = render_reply(Reply(text, title="[t](https://evil.example) [u](https://x.example)"))
    assert rendered.content.count(r"\[") == 4


def test_no_masked_link_survives_anywhere_on_a_line() -> None:
    """Whatever comes before it, every "[" reaches Discord escaped (an odd run of
    backslashes in front of it)."""
    import re

    for text in (
        "a [1](https://e.example) b [2](https://e.example) c [3](https://e.example)",
        "**x** [k](https://e.example) _y_ [l](https://e.example)",
        "\\\\[m](https://e.example) \\[n](https://e.example)",
    ):
        out = escape(text)
        for match in re.finditer(r"(\\*)\[", out):
            assert len(match[1]) % 2 == 1, (text, out)


def test_an_embed_stays_within_6000_characters_in_all() -> None:
    fields = tuple(Field(f"label {n}", "v" * 1000) for n in range(20))
    embed = render_reply(Reply("body", title="Profile", fields=fields)).embed
    assert embed is not None
    total = len(embed["title"]) + len(embed.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000
    assert embed["fields"][-1]["value"] == "(shortened)"
    few = render_reply(Reply("", fields=fields[:3])).embed
    assert few is not None and len(few["fields"]) == 3


def test_a_lone_surrogate_is_replaced() -> None:
    assert render_reply(Reply("a\ud800b")).content == "a\ufffdb"
