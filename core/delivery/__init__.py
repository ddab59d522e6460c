"""Delivering the outbox: leased rows, paced per platform, retried, every outcome recorded.

``contract`` (what adapters implement and raise), ``policy`` (retries, the report),
``lanes`` (rows waiting in memory, the group commit), ``pair_space``, ``recovery``
(rows a crashed worker left "sending"), ``worker``.

Adapters implement :class:`Sender` and report outcomes with the exceptions below; the
:class:`DeliveryWorker` decides what happens next (retry later, another account, give up).

How a message travels::

    pending ──claim (lease)──▶ pending+lease ──commit "sending"──▶ platform call ──▶ sent
                                                                   │
                    429: pause that scope, back to pending ◀───────┤
                    5xx / network: backoff with jitter ◀───────────┤
                    unreachable: mark the account, next account ◀──┤ … or "unreachable"
                    messenger failed for good: back to pending ◀───┘ (for the restart)

**Crash semantics.** A worker commits ``status = "sending"`` (with its lease and the
account) immediately before the platform call, and records the result right after it.

- Crash before that commit: the row is still "pending"; its lease expires; any worker
  claims it again and sends it — once.
- Crash after the commit but before the result is recorded: the row stays "sending" with
  an expired lease. We cannot know whether the platform accepted the message, so it is
  *not* blindly resent. Recovery (:mod:`core.delivery.recovery`) asks the sender:
  a :class:`ConfirmingSender` can look the message up by its key (message
  metadata in the conversation's history) or make sure of it (a nonce the platform
  dedupes for a while) — ``True`` records it sent, ``False`` sends it again, ``None``
  means it cannot tell. Without a confirmation (or for a row that may have gone to a
  pair space) the row is recorded ``"uncertain"`` (assumed sent) and logged.

The trade-off: exactly once where the platform offers a check; otherwise at most once
for the window of one network call of a crashing worker. A mentoring nudge lost in that
rare window costs less than the duplicates users complain about, and the log says
which message to look at.

**Keeping pace.** Claimed rows wait in memory in one lane per platform, one FIFO per
widest scope (the bot, or each workspace); a few senders per platform each take the
message whose scopes are ready soonest, so a paused workspace or a busy chat holds up
nothing else. A row is marked "sending" just before its paced slot (the commit's latency
must not bunch requests into 429s), and marks and outcomes of all senders share one
transaction at a time (group commit: SQLite has a single writer). Rows whose scope is
paused past ``max_hold`` go back to the table until then; each scope holds at most a
minute of its pace in memory, well inside the lease.

**Pair spaces.** A notice with a :class:`~core.messages.PairSpaceCopy` (an intro, a
shared reminder) goes, where the messenger offers it (:class:`PairSpaceSender`), into the
partners' shared conversation once instead of privately to each. The partner's row with
the same key is then recorded as delivered (or inserted so, if it isn't queued yet, so a
later copy is dropped). If the partner already had a private copy, or the shared
conversation can't be used, each gets the message privately, as usual.

**Unreachable people.** An account the platform refuses (blocked, DMs closed, account
gone) is marked unreachable and the message goes to the person's
next reachable account. With none left the row becomes "unreachable", the
``on_unreachable`` hook (the domain: tell the partner and the coordinator) returns notices
that are queued in the same transaction, and a warning is logged — nothing is dropped
silently. Adapters mark an account reachable again when its person comes back.
"""

from core.delivery.contract import (
    ConfirmingSender,
    ConversationOpener,
    DeliveryError,
    ExclusiveReceiver,
    FailsForGood,
    FailureLatch,
    Foreground,
    Messenger,
    MessengerFailed,
    PairSpaceSender,
    RateLimited,
    Sender,
    SpacePoster,
    SpaceRefused,
    Supervised,
    TransientFailure,
    Unreachable,
    post_to_space,
)
from core.delivery.lanes import scope_named_by as _scope_named_by
from core.delivery.pair_space import PAIR_SPACE_NOTE
from core.delivery.policy import DeliveryReport, RetryPolicy
from core.delivery.worker import DeliveryWorker, UnreachableHook

__all__ = [
    "PAIR_SPACE_NOTE",
    "ConfirmingSender",
    "ConversationOpener",
    "DeliveryError",
    "DeliveryReport",
    "DeliveryWorker",
    "ExclusiveReceiver",
    "FailsForGood",
    "FailureLatch",
    "Foreground",
    "Messenger",
    "MessengerFailed",
    "PairSpaceSender",
    "RateLimited",
    "RetryPolicy",
    "Sender",
    "SpacePoster",
    "SpaceRefused",
    "Supervised",
    "TransientFailure",
    "Unreachable",
    "UnreachableHook",
    "_scope_named_by",
    "post_to_space",
]
