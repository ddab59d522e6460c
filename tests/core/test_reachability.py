"""core.reachability on both database backends."""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from core.identity import Platform, UserRef
from core.reachability import set_reachable, set_workspace_reachable


def slack(user: str, team: str = "T1") -> UserRef:
    return UserRef(Platform("slack"), team, user, display_name=user)


async def register(app: Mentorhub, ref: UserRef) -> None:
    outcome = await app.hub.command(ref, "start", f"{ref.user_id} Europe/Berlin en")
    assert outcome.replies[0].title == "Welcome!", outcome.replies


async def reachable(app: Mentorhub, ref: UserRef) -> bool:
    async with app.uow() as uow:
        account = await uow.accounts.find(ref.platform, ref.workspace, ref.user_id)
    assert account is not None
    return account.reachable


async def test_set_reachable_changes_one_account(app: Mentorhub) -> None:
    ann, bob = slack("ann"), slack("bob")
    await register(app, ann)
    await register(app, bob)
    factory, now = app.uow_factory, app.clock.now()
    assert await set_reachable(factory, ann, False, now=now) is True
    assert await set_reachable(factory, ann, False, now=now) is False  # no change
    assert (await reachable(app, ann), await reachable(app, bob)) == (False, True)
    assert await set_reachable(factory, ann, True, now=now) is True
    assert await reachable(app, ann) is True
    assert await set_reachable(factory, slack("nobody"), False, now=now) is False


async def test_set_workspace_reachable_touches_only_that_workspace(app: Mentorhub) -> None:
    ann, bob, cem = slack("ann"), slack("bob"), slack("cem", team="T2")
    tg = UserRef(Platform("telegram"), "", "T1", display_name="tg")  # same id, other platform
    for ref in (ann, bob, cem, tg):
        await register(app, ref)
    factory = app.uow_factory
    assert await set_workspace_reachable(factory, Platform("slack"), "T1", False) == 2
    assert await set_workspace_reachable(factory, Platform("slack"), "T1", False) == 0
    states = [await reachable(app, ref) for ref in (ann, bob, cem, tg)]
    assert states == [False, False, True, True]
    assert await set_workspace_reachable(factory, Platform("slack"), "T1", True) == 2
