"""The delivery contract: what a messenger adapter implements and what it may raise.

The worker (:mod:`core.delivery.worker`) and the runner look for the optional
capabilities with ``isinstance``: a messenger declares one by implementing its methods.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

from core.identity import Platform, PlatformAccount
from core.messages import Reply, SpacePost


class DeliveryError(Exception):
    """Base of what a sender may raise."""


class Unreachable(DeliveryError):
    """The platform says this account can't be messaged (blocked, DMs closed, gone)."""


class SpaceRefused(Unreachable):
    """A post in a program's shared place was refused for good: the bot was removed from
    it, or may no longer post there. ``advice`` tells the person who asked for the post
    what to fix, in that messenger's own words."""

    def __init__(self, detail: str, advice: str) -> None:
        super().__init__(detail)
        self.advice = advice


class RateLimited(DeliveryError):
    """A 429. ``scope`` names the paced scope it applies to (see core.pacing); "" means
    the platform as far as this account goes (the bot, or the account's workspace)."""

    def __init__(self, retry_after: float, scope: str = "") -> None:
        super().__init__(f"rate limited for {retry_after:.1f}s ({scope or 'global'})")
        self.retry_after = retry_after
        self.scope = scope


class TransientFailure(DeliveryError):
    """Network trouble or a 5xx: worth trying again later."""


class MessengerFailed(DeliveryError):
    """The messenger can't work until its setup is fixed and mentorhub restarted (the
    platform refused its token or what it asked for). Raised at once, without calling the
    platform; the message waits in the outbox for the restart."""


class FailureLatch:
    """A messenger's failure for good, for :class:`Supervised`: the first cause counts,
    is logged once as an error, and wakes whoever awaits :meth:`wait`."""

    def __init__(self, messenger: str) -> None:
        self.messenger = messenger  # as people name it, capitalised
        self.reason: str | None = None
        self._set = asyncio.Event()

    def record(self, cause: str) -> MessengerFailed:
        """Fail for good (the first cause is kept) and return the error to raise."""
        if self.reason is None:
            self.reason = f"{self.messenger} {cause}"
            logging.getLogger(__name__).error(
                "%s. Until then the %s messenger neither receives nor sends.",
                self.reason,
                self.messenger,
            )
            self._set.set()
        return MessengerFailed(self.reason)

    def check(self) -> None:
        """Raise at once when failed: nothing works until a restart."""
        if self.reason is not None:
            raise MessengerFailed(self.reason)

    async def wait(self) -> str:
        await self._set.wait()
        assert self.reason is not None
        return self.reason


class FailsForGood:
    """What a messenger that can fail for good says about it (half of
    :class:`Supervised`), read from its :class:`FailureLatch` (set ``_latch`` in
    ``__init__``)."""

    _latch: FailureLatch

    @property
    def failure(self) -> str | None:
        return self._latch.reason

    async def failed(self) -> str:
        return await self._latch.wait()

    def _fail(self, cause: str) -> MessengerFailed:
        """Record a failure no retry fixes (the first one counts), and say what to do."""
        return self._latch.record(cause)


class Sender(Protocol):
    platform: Platform

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        """Deliver ``reply`` to ``account`` as a direct message, or raise a DeliveryError."""
        ...


@runtime_checkable
class ConfirmingSender(Sender, Protocol):
    """A sender that can tell, after a crash, whether a message reached the platform.

    It is given the outbox key with every message (``send_keyed``) and stores it where
    it can look it up later (message metadata, a nonce…).
    """

    async def send_keyed(self, account: PlatformAccount, reply: Reply, *, key: str) -> None:
        """Like ``send``, tagging the message with ``key``."""
        ...

    async def confirm_sent(
        self, account: PlatformAccount, key: str, reply: Reply, *, attempted_at: datetime
    ) -> bool | None:
        """Asked after a worker died while sending ``reply`` tagged ``key`` to ``account``
        (the attempt began at ``attempted_at``). True: it was delivered — a platform that
        drops a repeat of the same tag may be sent ``reply`` again to make sure; False:
        it certainly was not (it is then sent again); None: can't tell. May raise a
        DeliveryError (then: can't tell)."""
        ...


@runtime_checkable
class PairSpaceSender(Protocol):
    """A messenger that can give two of its accounts one shared conversation with the bot
    (e.g. a group DM of both partners and the app)."""

    def shares_pair_space(self, account: PlatformAccount, partner: PlatformAccount) -> bool:
        """Whether these two accounts get a shared conversation here (enabled, same
        workspace, …). Answered without a network call."""
        ...

    async def send_to_pair_space(
        self, account: PlatformAccount, partner: PlatformAccount, reply: Reply
    ) -> None:
        """Post ``reply`` in the shared conversation of the two accounts, or raise a
        DeliveryError. Unreachable means the shared conversation can't be used (the
        message then goes to ``account`` privately, and no account is marked)."""
        ...


@runtime_checkable
class ConversationOpener(Protocol):
    """A messenger whose send may first have to open a conversation (a DM channel
    not opened before). Opening many at once gets a bot quarantined, so such sends also
    take a token of the platform's new-conversation budget."""

    def opens_conversation(self, account: PlatformAccount) -> bool:
        """Whether a send to ``account`` now would open a new conversation (answered
        without a network call)."""
        ...


class Messenger(Sender, Protocol):
    """A running messenger adapter: receives from its platform, sends through it."""

    async def start(self) -> None:
        """Connect and begin receiving. Returns once receiving has started."""
        ...

    async def stop(self) -> None:
        """Stop receiving and release connections; safe to call twice."""
        ...


@runtime_checkable
class ExclusiveReceiver(Protocol):
    """A messenger whose receiving connection only one worker may hold at a time (long
    polling, a gateway shard). ``start()`` does everything; with several
    workers the runner calls ``start_sending()`` and gives receiving to whichever worker
    holds its lease (see bots/receiving.py)."""

    async def start_sending(self) -> None:
        """Connect for sending only."""
        ...

    def receiver_name(self) -> str | None:
        """The lease's name (the same for every worker of this bot), known after
        ``start_sending()``; None when receiving needs no lease (e.g. a webhook)."""
        ...

    async def start_receiving(self) -> None: ...

    async def stop_receiving(self) -> None:
        """Stop receiving and stay able to send."""
        ...


@runtime_checkable
class Supervised(Protocol):
    """A messenger that can stop working for good while the process runs (the platform
    closed its connection for a reason no retry fixes). A readiness check reads
    ``ready``; the runner waits on ``failed()`` and stops when no messenger is left."""

    @property
    def ready(self) -> bool:
        """Connected and able to receive and send, as far as it knows."""
        ...

    @property
    def failure(self) -> str | None:
        """Why it stopped for good, with what to fix; None while it works."""
        ...

    async def failed(self) -> str:
        """Returns :attr:`failure` once there is one."""
        ...


@runtime_checkable
class Foreground(Protocol):
    """A messenger that runs in the foreground (the console): ``mentorhub run`` ends
    when it returns, instead of on a stop signal."""

    async def run_in_foreground(self) -> None: ...


@runtime_checkable
class SpacePoster(Protocol):
    """A messenger that can post in a shared space (a group chat) a program is linked to.

    Only the core's :class:`~core.messages.SpacePost` values arrive here (announcements);
    nothing personal is ever posted in a space.
    """

    async def post_to_space(self, space: str, reply: Reply) -> None:
        """Post ``reply`` in ``space`` (``"<platform>:<id>"``), or raise a DeliveryError."""
        ...


async def post_to_space(senders: Mapping[Platform, Sender], post: SpacePost) -> bool:
    """Post through the running messenger of the space's platform. False when that
    messenger can't post in spaces; a DeliveryError when there is none or posting failed.

    Not through the outbox (which is per person): the people concerned get the same
    message as notices, with retries; this is the extra copy for the group.
    """
    try:
        sender = senders.get(Platform(post.space.partition(":")[0]))
    except ValueError:  # not a platform's space
        sender = None
    if sender is None:
        raise Unreachable(f"no running messenger posts in {post.space[:64]!r}")
    if not isinstance(sender, SpacePoster):
        return False
    await sender.post_to_space(post.space, post.reply)
    return True
