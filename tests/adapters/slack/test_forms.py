"""Form-capable dialogs as modals: the view (pure), reading a submission (pure), and the
whole round trip through bolt and FakeSlack (a check-in, over Socket Mode)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from adapters.slack import forms, render
from adapters.slack.adapter import FORM_NOT_OPENED
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.dialogs import FormField
from core.i18n import translate
from core.messages import Action, Choice, ChoiceStyle, Reply
from core.model import DEFAULT_QUESTIONS
from tests.adapters.slack.conftest import Wire, pair_up, running, settle, state_of
from tests.fakes.slack_api import FakeSlack, view_submission_payload

PROGRESS, BLOCKERS = DEFAULT_QUESTIONS  # each answer in the brief is labelled by its question

# --- the modal (pure) ---------------------------------------------------------------------


def field(
    key: str,
    choices: tuple[tuple[str, str], ...] = (),
    *,
    free_text: bool = True,
    optional: bool = False,
    label: str = "Question?",
) -> FormField:
    return FormField(key, label, choices, free_text, optional)


def test_one_input_per_field() -> None:
    view = forms.modal(
        "check-in",
        [
            field("met", (("Yes", "yes"), ("No", "no")), free_text=False),
            field("progress"),
            field("rating", (("1", "1"), ("2", "2")), optional=True),
        ],
        "42",
    )
    assert (view["type"], view["callback_id"], view["private_metadata"]) == (
        "modal",
        "mh_form",
        "42",
    )
    assert view["title"]["text"] == "Check-in"
    assert (view["submit"]["text"], view["close"]["text"]) == ("Send", "Cancel")
    met, progress, rating = view["blocks"]
    assert (met["block_id"], met["optional"], met["element"]["type"]) == (
        "met",
        False,
        "static_select",
    )
    assert met["element"]["options"] == [
        {"text": {"type": "plain_text", "text": "Yes", "emoji": True}, "value": "yes"},
        {"text": {"type": "plain_text", "text": "No", "emoji": True}, "value": "no"},
    ]
    assert "dispatch_action" not in met
    assert (progress["block_id"], progress["optional"]) == ("progress", False)
    assert progress["element"]["type"] == "plain_text_input"
    assert progress["element"]["multiline"] is True
    # Choices or your own words: one select, with "Other…", whose pick is dispatched.
    assert (rating["block_id"], rating["element"]["type"], rating["optional"]) == (
        "rating",
        "static_select",
        True,
    )
    assert [o["value"] for o in rating["element"]["options"]] == ["1", "2", forms.OTHER_VALUE]
    assert rating["dispatch_action"] is True
    # "Other…" adds a text box under it (same optionality); another pick removes it.
    other = forms.after_pick(view, "rating", forms.OTHER_VALUE)
    assert other is not None
    own = other["blocks"][3]
    assert (own["block_id"], own["element"]["type"], own["optional"]) == (
        "rating.own",
        "plain_text_input",
        True,
    )
    assert forms.after_pick(other, "rating", forms.OTHER_VALUE) is None  # already there
    back = forms.after_pick(other, "rating", "1")
    assert back is not None and back["blocks"] == view["blocks"]
    assert forms.after_pick(view, "met", "yes") is None


def test_slack_limits_and_plain_text_left_alone() -> None:
    long_value = "v" * 151
    view = forms.modal(
        "a title that is much longer than Slack allows",
        [
            field(
                "pick",
                (
                    ("<!channel> & " + "x" * 100, "a"),
                    ("same value again", "a"),
                    ("too long a value", long_value),
                    *((f"option {n}", str(n)) for n in range(150)),
                ),
                free_text=False,
                label="L" * 2500,
            )
        ],
        "7",
    )
    assert len(view["title"]["text"]) == 24 and view["title"]["text"].endswith("…")
    (block,) = view["blocks"]
    assert len(block["label"]["text"]) == 2000
    options = block["element"]["options"]
    assert len(options) == 100
    first = options[0]["text"]["text"]
    assert len(first) == 75 and first.startswith("<!channel> & ")  # plain_text: not escaped
    assert [o["value"] for o in options[:2]] == ["a", "0"]  # duplicates and long values left out


def test_reading_a_submission() -> None:
    view = forms.modal(
        "check-in",
        [
            field("met", (("Yes", "yes"),), free_text=False),
            field("minutes", (("30", "30"),), optional=True),
            field("blockers", (("Nothing", "nothing"),)),
            field("progress"),
            field("note", optional=True),
        ],
        "9",
    )
    view = forms.after_pick(view, "minutes", forms.OTHER_VALUE) or {}
    answers = {
        "met": "Yes",
        "minutes": "Other…",
        "minutes.own": "45",  # typed under "Other…"
        "blockers": "Nothing",
        "progress": "  <b>shipped</b> & more  ",
    }
    body = view_submission_payload(
        user_id="U1",
        callback_id="mh_form",
        private_metadata="9",
        values=state_of(view, answers),
        user_name="mia",
    )
    submission = forms.read_submission(body)
    assert submission == forms.Submission(
        team="T0001",
        user_id="U1",
        user_name="mia",
        dialog_id="9",
        values={
            "met": "yes",
            "minutes": "45",
            "blockers": "nothing",
            "progress": "<b>shipped</b> & more",
            "note": "",
        },
        answered_in={"minutes": "minutes.own", "progress": "progress"},
    )
    errors = forms.field_errors(
        {"minutes": "Too long.", "met": "Answer yes or no.", "note": "x" * 900}, submission
    )
    assert errors == {
        "minutes.own": "Too long.",
        "met": "Answer yes or no.",
        "note": "x" * 499 + "…",
    }

    other = view_submission_payload(user_id="U1", callback_id="someone_else", values={})
    assert forms.read_submission(other) is None
    no_dialog = view_submission_payload(user_id="U1", callback_id="mh_form", values={})
    assert forms.read_submission(no_dialog) is None


def test_form_button_sits_before_cancel_and_goes_with_the_answer() -> None:
    dialog = Action("d", ("3", "1", "yes")).encode()
    cancel = Choice("Cancel", Action.command("cancel").encode(), ChoiceStyle.DANGER)
    reply = Reply("Met?", choices=(Choice("Yes", dialog), cancel), form="3")
    _section, actions = render.render_reply(reply)
    assert [(e["action_id"], e["text"]["text"], e["value"]) for e in actions["elements"]] == [
        ("mh:0", "Yes", dialog),
        ("mh:form", "Fill in as a form", "3"),
        ("mh:1", "Cancel", "c:cancel"),
    ]
    # A free-text step has no dialog buttons, but its form button is still a dialog button.
    typed = render.render_reply(Reply("Progress?", choices=(cancel,), expects_text=True, form="3"))
    resolved = render.resolve_dialog_buttons(typed, "Filled in as a form")
    assert resolved is not None
    assert [b["type"] for b in resolved] == ["section", "context"]
    assert render.render_reply(Reply("No form", choices=(cancel,)))[1]["elements"][-1]["value"] == (
        "c:cancel"
    )


# --- the round trip (a check-in, over Socket Mode) -------------------------------------------


def buttons_of(post: dict[str, Any]) -> list[str]:
    return [
        e["text"]["text"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]


async def test_a_check_in_as_a_modal_over_socket_mode(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock
) -> None:
    await pair_up(app)
    clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    async with running(app, slack, mode="socket") as messenger:
        wire = Wire(messenger, slack)
        await wire.command("checkin", user="U1", channel="D_U1")
        prompt = await settle(messenger, slack, posts=1)
        click = await wire.click(prompt, "Fill in as a form", user="U1", name="form")
        (opened,) = await slack.wait_for_calls("views.open")
        assert opened.params["trigger_id"] == click["trigger_id"]
        view = opened.params["view"]
        assert view["title"]["text"] == "Check-in"
        blocks = {b["block_id"]: b for b in view["blocks"]}
        assert list(blocks) == [
            "met", "minutes", "answer1", "answer2", "rating", "note", "note_shared",
        ]  # fmt: skip
        assert blocks["met"]["optional"] is False
        assert blocks["note_shared"]["optional"] is True  # asked only when there is a note

        # Met, but how long? And no progress: both named, on the blocks to fix.
        started = time.perf_counter()
        ack = await wire.submit(view, {"met": "Yes", "rating": "4"}, user="U1")
        acked_after = time.perf_counter() - started
        assert ack == {
            "response_action": "errors",
            "errors": {
                "minutes": "Please fill this in.",
                "answer1": "Please fill this in.",
                "answer2": "Please fill this in.",
            },
        }
        assert acked_after < 0.5, f"the ack took {acked_after:.3f} s"  # Slack allows 3 s

        view = await wire.pick(view, "rating", "Other…", user="U1")
        answers = {
            "met": "Yes",
            "minutes": "30",
            "answer1": "<!subteam^S1> shipped & <https://x.example|it>",
            "answer2": "Nothing",
            "rating": "Other…",
            "rating.own": "5",
            "note": "nervous about the crit",
            "note_shared": "Only me",
        }
        assert await wire.submit(view, answers, user="U1") == {}
        saved = await settle(messenger, slack, posts=2)
        assert saved["text"].startswith("Check-in saved")
        await slack.wait_for(lambda: slack.response_url_posts("form"))
        assert buttons_of(slack.response_url_posts("form")[0]) == []  # prompt resolved

        assert (await app.deliver()).sent == 1
        brief = await settle(messenger, slack, posts=3)
        assert brief["channel"] == "D_U2"
        fields = [f["text"] for f in brief["blocks"][1]["fields"]]
        assert fields == [
            "*Met*\nyes, 30 min",
            f"*{PROGRESS}*\n&lt;!subteam^S1&gt; shipped &amp; &lt;https://x.example|it&gt;",
            f"*{BLOCKERS}*\nnothing",
            "*Rating*\n5/5",
        ]  # the private note stays private

        # The same form again: spent. The modal closes; the DM says why.
        assert await wire.submit(view, answers, user="U1") == {}
        stale = await settle(messenger, slack, posts=4)
        assert stale["text"].startswith("⚠ That form is from an earlier question")
        # And its button on the old prompt opens nothing.
        await wire.click(prompt, "Fill in as a form", user="U1")
        again = await settle(messenger, slack, posts=5)
        assert again["text"].startswith("⚠ That form is from an earlier question")
    assert len(slack.calls_to("views.open")) == 1
    async with app.uow() as uow:
        (checkin,) = await uow.checkins.of_pair(1)
        assert checkin.id is not None
        (answer,) = await uow.answers.of_checkin(checkin.id)
    assert (answer.minutes, answer.rating, answer.note_shared) == (30, 5, False)


async def test_a_form_that_could_not_open_says_so(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock
) -> None:
    await pair_up(app)
    clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        await wire.command("checkin", user="U1", channel="D_U1")
        prompt = await settle(messenger, slack, posts=1)
        slack.fail_next("views.open", error="expired_trigger_id")
        await wire.click(prompt, "Fill in as a form", user="U1", name="late")
        await slack.wait_for(lambda: slack.response_url_posts("late"))
        assert await messenger.idle()
    (note,) = slack.response_url_posts("late")
    assert note["text"] == translate(FORM_NOT_OPENED, None)
    assert note["response_type"] == "ephemeral"
    assert len(slack.posted_messages()) == 1  # the prompt still has its buttons: no edits


async def test_a_slow_check_closes_the_modal_in_time_and_answers_in_the_dm(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock
) -> None:
    await pair_up(app)
    clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    release = asyncio.Event()
    submit_form = app.hub.submit_form

    async def slow_submit_form(*args: Any) -> Any:
        await asyncio.wait_for(release.wait(), 5)
        return await submit_form(*args)

    async with running(app, slack) as messenger:
        messenger.form_ack_budget = 0.2  # 2 s in production
        wire = Wire(messenger, slack)
        await wire.command("checkin", user="U1", channel="D_U1")
        prompt = await settle(messenger, slack, posts=1)
        await wire.click(prompt, "Fill in as a form", user="U1")
        (opened,) = await slack.wait_for_calls("views.open")
        app.hub.submit_form = slow_submit_form  # type: ignore[method-assign,assignment]
        started = time.perf_counter()
        ack = await wire.submit(opened.params["view"], {"met": "No"}, user="U1")
        acked_after = time.perf_counter() - started
        assert ack == {}  # closed: an answer after 3 s would be an error in Slack
        assert 0.2 <= acked_after < 1.0
        release.set()
        told = await settle(messenger, slack, posts=2)
    assert told["text"].startswith("⚠ Your form took me too long to check")
    assert (
        "• What progress did you make toward the goals you agreed on?: Please fill this in."
        in told["text"]
    )
