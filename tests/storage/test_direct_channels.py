"""Direct channels kept across restarts (core.direct_channels): only for accounts, and
gone with the account, on both backends."""

from __future__ import annotations

from datetime import timedelta

from bots.bootstrap import Mentorhub
from core.identity import Platform, PlatformAccount
from core.ports import DirectChannel
from tests.storage.test_unit_of_work import person

DISCORD = Platform("discord")


async def with_account(app: Mentorhub, handle: str, user_id: str, workspace: str = "") -> int:
    async with app.uow() as uow:
        someone = await uow.people.add(person(handle, app))
        assert someone.id is not None
        await uow.accounts.add(PlatformAccount(DISCORD, workspace, user_id, someone.id))
        await uow.commit()
    return someone.id


async def test_kept_only_for_accounts_and_updated_in_place(app: Mentorhub) -> None:
    store = app.hub.direct_channels
    await with_account(app, "ann", "111")
    assert not await store.opened(DISCORD, "999", "9")  # nobody we know: nothing kept
    assert await store.opened(DISCORD, "111", "1")
    assert await store.opened(DISCORD, "111", "2")
    asked = app.clock.now()
    assert await store.asked_to_open(DISCORD, "111", asked)
    assert await store.known(DISCORD) == [DirectChannel("111", "2", asked)]
    assert await store.known(Platform("slack")) == []

    await store.closed(DISCORD, "111")  # the platform no longer knows the channel
    assert await store.known(DISCORD) == [DirectChannel("111", "", asked)]
    later = asked + timedelta(hours=1)
    await store.asked_to_open(DISCORD, "111", later)
    assert await store.known(DISCORD) == [DirectChannel("111", "", later)]


async def test_forgetting_a_person_or_dropping_a_workspace_deletes_them(app: Mentorhub) -> None:
    store = app.hub.direct_channels
    ann = await with_account(app, "ann", "111")
    await with_account(app, "bob", "222")
    await with_account(app, "cy", "333", workspace="T1")
    assert await store.opened(DISCORD, "111", "1")
    assert await store.opened(DISCORD, "222", "2")
    assert await store.opened(DISCORD, "333", "3", workspace="T1")

    async with app.uow() as uow:
        report = await uow.privacy.forget(
            ann, actors=[], needles=[], placeholder_name="x", placeholder_handle="gone-1"
        )
        await uow.privacy.drop_workspace("discord", "T1")
        await uow.commit()
    assert report.by_table["direct_channel"] == 1
    assert await store.known(DISCORD) == [DirectChannel("222", "2")]
