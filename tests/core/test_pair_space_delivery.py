"""Pair spaces: an intro or shared reminder goes once into the partners' shared
conversation where the messenger has one, and the partner's copy counts as delivered."""

from __future__ import annotations

import random
from collections.abc import Mapping

import pytest

from bots.bootstrap import Mentorhub
from bots.messengers import pacing_rules
from core.clock import ManualClock
from core.delivery import DeliveryWorker, PairSpaceSender, RetryPolicy, Sender, Unreachable
from core.dispatch import outbox_messages
from core.identity import Platform, PlatformAccount
from core.messages import Notice, PairSpaceCopy, Reply
from core.pacing import Pacer
from core.ports import OutboxMessage
from tests.core.scheduling_helpers import FakeSender, FakeTime, add_person

SLACK, TG = Platform("slack"), Platform("telegram")
KEY = "pair:1:meeting_reminder:2"
BOTH = Reply("Tomorrow a new period starts: have you two set a time?", title="Meeting reminder")


class PairSpaceFake(FakeSender):
    """A Slack-like sender: a shared conversation for two accounts of one workspace."""

    def __init__(self, time: FakeTime) -> None:
        super().__init__(SLACK, time)
        self.pair_posts: list[tuple[frozenset[str], str]] = []
        self.refuse_pair_space = False

    def shares_pair_space(self, account: PlatformAccount, partner: PlatformAccount) -> bool:
        return account.platform is partner.platform and account.workspace == partner.workspace

    async def send_to_pair_space(
        self, account: PlatformAccount, partner: PlatformAccount, reply: Reply
    ) -> None:
        if self.refuse_pair_space:
            raise Unreachable("slack: user_not_found")
        self.pair_posts.append((frozenset({account.user_id, partner.user_id}), reply.text))


@pytest.fixture
def fake_time(clock: ManualClock) -> FakeTime:
    return FakeTime(clock)


def worker(app: Mentorhub, senders: Mapping[Platform, Sender], time: FakeTime) -> DeliveryWorker:
    return DeliveryWorker(
        app.uow_factory,
        senders,
        app.clock,
        worker="w1",
        pacer=Pacer(monotonic=time.monotonic, sleep=time.sleep),
        pacing=pacing_rules(),
        retry=RetryPolicy(max_attempts=3),
        rng=random.Random(3),
    )


def personal(name: str) -> Reply:
    return Reply(f"Tomorrow a new period starts: you agreed to meet {name}.")


async def queue(app: Mentorhub, person_id: int, partner_id: int, partner_name: str) -> None:
    notice = Notice(
        person_id, personal(partner_name), "", pair_space=PairSpaceCopy(partner_id, BOTH)
    )
    async with app.uow() as uow:
        messages = outbox_messages(
            [notice], namespace=KEY, default_kind="nudge", now=app.clock.now()
        )
        await uow.outbox.add_many(messages)
        await uow.commit()


async def row(app: Mentorhub, person_id: int) -> OutboxMessage | None:
    async with app.uow() as uow:
        return await uow.outbox.by_key(person_id, KEY)


async def pair_on(
    app: Mentorhub, mentee: tuple[Platform, str], mentor: tuple[Platform, str]
) -> tuple[int, int]:
    mia, _ = await add_person(app, "mia", (mentee[0], mentee[1], "U1"))
    dana, _ = await add_person(app, "dana", (mentor[0], mentor[1], "U2"))
    return mia, dana


async def test_both_copies_become_one_post_in_the_pair_space(
    app: Mentorhub, fake_time: FakeTime
) -> None:
    slack = PairSpaceFake(fake_time)
    assert isinstance(slack, PairSpaceSender)
    mia, dana = await pair_on(app, (SLACK, "T1"), (SLACK, "T1"))
    await queue(app, mia, dana, "Dana")
    await queue(app, dana, mia, "Mia")

    report = await worker(app, {SLACK: slack}, fake_time).deliver()

    assert slack.pair_posts == [(frozenset({"U1", "U2"}), BOTH.text)]
    assert slack.delivered == []  # nobody got a private copy as well
    assert (report.sent, report.shared) == (1, 1)
    for person in (mia, dana):
        settled = await row(app, person)
        assert settled is not None and settled.status == "sent"
        assert settled.locked_by is None
    assert (await worker(app, {SLACK: slack}, fake_time).deliver()).sent == 0


async def test_a_partner_copy_queued_later_is_dropped(app: Mentorhub, fake_time: FakeTime) -> None:
    # Reminders are jittered per person: Dana's comes due after Mia's was posted for both.
    slack = PairSpaceFake(fake_time)
    mia, dana = await pair_on(app, (SLACK, "T1"), (SLACK, "T1"))
    await queue(app, mia, dana, "Dana")
    first = await worker(app, {SLACK: slack}, fake_time).deliver()
    assert (first.sent, first.shared) == (1, 1)

    await queue(app, dana, mia, "Mia")  # its key is taken: nothing new to send
    later = await worker(app, {SLACK: slack}, fake_time).deliver()
    assert later.sent == 0 and len(slack.pair_posts) == 1 and slack.delivered == []


async def test_partner_who_already_had_a_private_copy_is_not_told_twice(
    app: Mentorhub, fake_time: FakeTime
) -> None:
    slack = PairSpaceFake(fake_time)
    mia, dana = await pair_on(app, (SLACK, "T1"), (SLACK, "T1"))
    await queue(app, dana, mia, "Mia")
    plain = FakeSender(SLACK, fake_time)  # before pair spaces were turned on
    assert (await worker(app, {SLACK: plain}, fake_time).deliver()).sent == 1

    await queue(app, mia, dana, "Dana")
    report = await worker(app, {SLACK: slack}, fake_time).deliver()
    assert report.sent == 1 and slack.pair_posts == []
    assert slack.texts("U1") == [personal("Dana").text]


async def test_no_pair_space_means_private_copies_and_no_account_marked(
    app: Mentorhub, fake_time: FakeTime
) -> None:
    slack = PairSpaceFake(fake_time)
    slack.refuse_pair_space = True
    mia, dana = await pair_on(app, (SLACK, "T1"), (SLACK, "T1"))
    await queue(app, mia, dana, "Dana")
    await queue(app, dana, mia, "Mia")

    report = await worker(app, {SLACK: slack}, fake_time).deliver()

    assert (report.sent, report.shared, report.unreachable) == (2, 0, 0)
    assert sorted(slack.texts()) == sorted([personal("Dana").text, personal("Mia").text])
    async with app.uow() as uow:
        assert all(a.reachable for a in await uow.accounts.of_person(mia))


@pytest.mark.parametrize("mentor_on", [(SLACK, "T2"), (TG, "")])
async def test_partners_without_a_shared_conversation_each_get_their_own(
    app: Mentorhub, fake_time: FakeTime, mentor_on: tuple[Platform, str]
) -> None:
    slack, tg = PairSpaceFake(fake_time), FakeSender(TG, fake_time)
    mia, dana = await pair_on(app, (SLACK, "T1"), mentor_on)
    await queue(app, mia, dana, "Dana")
    await queue(app, dana, mia, "Mia")

    report = await worker(app, {SLACK: slack, TG: tg}, fake_time).deliver()

    assert report.sent == 2 and slack.pair_posts == []
    assert slack.texts("U1") == [personal("Dana").text]
    assert (slack.texts("U2") + tg.texts("U2")) == [personal("Mia").text]
