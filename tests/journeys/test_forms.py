"""A form-capable dialog (the agreement) filled in one go, as Slack's modal does."""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from core.identity import Platform, UserRef
from tests.journeys.world import build_world

MIA = UserRef(Platform("console"), "", "mia", display_name="Mia")


async def test_a_form_reports_every_bad_field_and_saves_nothing(app: Mentorhub) -> None:
    await build_world(app)
    started = await app.hub.command(MIA, "agree")
    prompt = started.replies[-1]
    assert prompt.form is not None
    form = await app.hub.form(MIA, prompt.form)
    assert isinstance(form, tuple)
    title, fields = form
    assert title == "agreement proposal"
    assert [f.key for f in fields] == [
        "goals", "cadence_days", "mode", "channel", "meeting_minutes", "starts_on", "ends_on",
        "response_hours", "confidentiality",
    ]  # fmt: skip
    assert ("Keep: Get a design job", "=keep") in fields[0].choices  # counter-proposal defaults
    bad = {"goals": "", "cadence_days": "sometimes", "mode": "call", "meeting_minutes": "999"}
    result = await app.hub.submit_form(MIA, prompt.form, bad)
    assert result.errors is not None
    assert result.errors["cadence_days"].startswith("The cadence in days must be a whole number")
    assert result.errors["meeting_minutes"].startswith("The meeting length must be from 5 to 240")
    assert result.errors["channel"] == "Please fill this in."
    result = await app.hub.submit_form(MIA, prompt.form, {**bad, "mode": "fax"})
    assert result.errors is not None
    assert result.errors["mode"] == "Choose async, chat or call."
    async with app.uow() as uow:
        assert len(await uow.agreements.of_pair(1)) == 1  # nothing new saved
    good = {
        "goals": "=keep", "cadence_days": "Every two weeks", "mode": "call", "channel": "Zoom",
        "meeting_minutes": "45", "starts_on": "2026-03-09", "ends_on": "8w",
        "response_hours": "24", "confidentiality": "private",
    }  # fmt: skip
    result = await app.hub.submit_form(MIA, prompt.form, good)
    assert result.errors is None and result.outcome is not None
    assert result.outcome.replies[0].title == "Your proposal (version 2)"
    async with app.uow() as uow:
        latest = (await uow.agreements.of_pair(1))[-1]
        assert (latest.cadence_days, latest.meeting_minutes, latest.goals) == (
            14,
            45,
            "Get a design job",
        )
    again = await app.hub.submit_form(MIA, prompt.form, good)  # the form is spent
    assert again.outcome is not None
    assert again.outcome.replies[0].text.startswith("That form is from an earlier question")
