"""DiscordMessenger: discord.py 2.x running inside mentorhub's asyncio loop.

Inbound, every interaction (slash command, autocomplete, button, modal) arrives at one
``on_interaction`` handler: it drops replays (a bounded set of handled interaction ids),
translates the payload (translate.py) into a hub call, and answers. DMs to the bot arrive
as MESSAGE_CREATE and become a core ``Message`` (Discord includes DM content without the
privileged message-content intent). Guild channel text is never read; a free-text answer
in a guild goes through a modal opened by a "Type your answer" button.

Answering within Discord's 3 seconds: the hub call starts at once; if it is done within
``ack_budget`` (1.5 s) the first reply *is* the interaction response (one request), else
we defer (type 5, "thinking…") and send the replies as follow-ups. Each further reply is a
follow-up. In guilds replies are ephemeral (personal content in a shared channel); in the
bot's DMs they are ordinary messages, so the history stays.

Outbound, notices are DMs. Everything sent that is not an interaction response draws on
the process's one :class:`~core.pacing.Pacer` (the outbox's too), in the scopes
:mod:`adapters.discord.pacing_rules` declares: the bot (``discord``) and the conversation
(``discord:<user>`` for a DM, ``discord:<channel>`` for a server channel). Opening a DM
not open yet is declared (``opens_conversation``), so the outbox takes a token of the
new-DM budget for it; the adapter counts nothing twice. A 429 pauses the scope Discord
named: a global one the bot, any other the conversation (see :class:`RateLimitWatch`).

Known DM channels, and when each person was last asked to open their DMs, are stored
(``Hub.direct_channels``) and loaded at start: a restart neither opens every DM again
(each open draws on the new-DM budget) nor repeats a DMs-closed mention too soon.

When Discord refuses a DM because the person's DMs are closed
(50007), ``send`` mentions them in their program's channel with a neutral request to open
their DMs (see :meth:`DiscordMessenger.send`); a DM from them later marks them reachable.

Buttons are persistent without per-message state: custom_id is the core's action id, the
View is stopped before sending (so discord.py keeps no copy — ``timeout=None`` views would
otherwise pile up in memory) and clicks are decoded in ``on_interaction``, by any client
instance, before or after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import io
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

from adapters.discord import commands as schema
from adapters.discord import pacing_rules
from adapters.discord.render import (
    ANSWER_INPUT_HINT,
    ANSWER_INPUT_ID,
    ANSWER_INPUT_LABEL,
    ANSWER_MAX_LENGTH,
    ANSWER_MODAL_ID,
    ANSWER_MODAL_TITLE,
    CONTENT_LIMIT,
    TEXT_DISPLAY_LIMIT,
    DiscordMessage,
    escape,
    render_reply,
    truncate,
)
from adapters.discord.settings import DISCORD, DISCORD_API, DISCORD_GATEWAY
from adapters.discord.translate import (
    Ignore,
    InteractionFacts,
    OpenAnswer,
    Suggest,
    discord_user_ref,
    translate,
    user_ref,
)
from core.correlation import event_correlated
from core.delivery import (
    DeliveryError,
    FailsForGood,
    FailureLatch,
    MessengerFailed,
    RateLimited,
    SpaceRefused,
    TransientFailure,
    Unreachable,
)
from core.hub import APOLOGY, Hub
from core.i18n import _, supported
from core.i18n import translate as written_in
from core.identity import PlatformAccount, UserRef
from core.inbound import (
    AccountGone,
    Message,
    Press,
    WorkspaceRemoved,
    WorkspaceRestored,
)
from core.memory import KeyedLocks, LruCache, RecentKeys
from core.messages import Action, Outcome, Reply
from core.pacing import Pacer, PlatformPacing, Scope
from core.registry import ArgKind
from core.syntax import NativeCommands

log = logging.getLogger(__name__)

CANNOT_MESSAGE_USER = 50007
UNKNOWN_CHANNEL = 10003
UNKNOWN_USER = 10013
# What a discord.RateLimited caught without its call's 429s is (see delivery_error): a
# scope name the pacer doesn't know, which the outbox takes for the conversation's
ROUTE_LIMIT = f"{DISCORD.value}:route"

# View Channels, Send Messages, Embed Links, Use Application Commands
PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 31)
INVITE_URL = (
    "https://discord.com/oauth2/authorize?client_id={application_id}"
    "&scope=bot+applications.commands&permissions={permissions}"
)
SPACE_ADVICE = _(
    "Check that I can still see that channel and have the Send Messages permission there "
    "(the channel's settings, Permissions)."
)
EMPTY_DM_REPLY = _("I can only read text. Send `help` to see what I can do.")
DONE = _("Done.")


def dms_closed_text(user_id: int, language: str | None) -> str:
    """The whole text of a DM-closed fallback: it is posted in a shared channel, so it
    says nothing about the notice it stands for."""
    mention = f"<@{user_id}>"
    text = _(
        "{mention}, I couldn't DM you — please open your DMs (server menu → Privacy "
        "Settings → Direct Messages) and send me a message, or use {command} here, e.g. "
        "{example}.",
        mention=mention,
        command="/mentor",
        example="/mentor pairs",
    )
    return written_in(text, language)


_CHANNEL_REF = re.compile(r"^(?:<#)?(\d{15,21})>?$")
# How long after a send Discord surely still knows its nonce ("the past few minutes", it
# says): the outbox finds a dead worker's row once its lease (2 min by default) expired.
NONCE_TRUSTED = timedelta(minutes=3)

# Why Discord would not let the bot in, and what to do: the gateway close codes no
# reconnect fixes (discord.py gives up on them), and a refused token at login.
LOGIN_REFUSED = (
    "the bot token is wrong or was reset. Copy the current one (Developer Portal → Bot → "
    "Reset Token) into the environment variable [discord] token_env names, and restart"
)
FATAL_CLOSES = {
    4004: f"closed the gateway: authentication failed (4004): {LOGIN_REFUSED}",
    4010: "closed the gateway: invalid shard (4010): mentorhub runs one shard; report this",
    4011: (
        "closed the gateway: sharding required (4011): the bot is in more servers than one "
        "gateway connection may serve, and mentorhub runs one"
    ),
    4012: "closed the gateway: invalid API version (4012): upgrade mentorhub (and discord.py)",
    4013: (
        "closed the gateway: invalid intent(s) (4013): the intents value sent is not one "
        "Discord knows. Upgrade mentorhub (and discord.py), or report it"
    ),
    4014: (
        "closed the gateway: disallowed intent(s) (4014): the bot asks for a privileged "
        "intent (Presence, Server Members or Message Content) that is not enabled for it. "
        "Enable it in the Developer Portal (Bot → Privileged Gateway Intents), or drop it "
        "from the intents the bot asks for (mentorhub itself asks for none); then restart"
    ),
}

_SEND_ERRORS = (
    discord.HTTPException,
    discord.RateLimited,
    aiohttp.ClientError,
    OSError,
    TimeoutError,
)


class TokenSource(Protocol):
    """A secret that shows itself only when asked (bots.config.Secret)."""

    def reveal(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    guild_ids: tuple[int, ...] = ()
    sync_global: bool = False
    new_dms_per_hour: int = 60
    ack_budget: float = 1.5  # seconds to wait for the core before deferring
    ready_timeout: float = 30.0  # start() gives up if READY takes longer
    guild_ready_timeout: float = 2.0  # discord.py's wait for GUILD_CREATEs before READY
    max_ratelimit_wait: float = 30.0  # longer 429 waits raise RateLimited (discord.py min 30)
    reply_wait_limit: float = 30.0  # longest wait for a pacing turn before RateLimited
    fallback_quiet_hours: float = 12.0  # at most one DMs-closed mention per user in this time
    api_base: str = DISCORD_API  # REST, with the API version (a proxy or a stand-in)
    gateway_url: str = DISCORD_GATEWAY  # the first gateway connection (resumes go where
    # READY's resume_gateway_url says)
    # Ask for the privileged Server Members intent, to hear when someone leaves the server
    # (their account is then marked gone). Off unless enabled in the Developer Portal too.
    track_members: bool = False


def intents(*, members: bool = False) -> discord.Intents:
    """Only what we use: ``guilds`` (discord.py's guild/channel cache) and ``dm_messages``
    (free-text answers in DMs). No privileged intent unless ``members`` (``track_members``:
    GUILD_MEMBER_REMOVE comes only with it); never presences or message_content;
    interactions need no intent at all."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.dm_messages = True
    wanted.members = members
    return wanted


def use_endpoints(api_base: str, gateway_url: str) -> None:
    """Point discord.py at these endpoints. It reads both from class attributes, for the
    whole process (as its own API-version switch does; interaction callbacks and
    follow-ups use the same base): mentorhub runs one Discord bot per process."""
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def fatal_close(error: BaseException) -> str | None:
    """What a gateway connection's end means when no reconnect can fix it, else None."""
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return FATAL_CLOSES[4014]
    if isinstance(error, discord.ConnectionClosed):
        return FATAL_CLOSES.get(error.code)
    return None


def invite_url(application_id: int | str) -> str:
    return INVITE_URL.format(application_id=application_id, permissions=PERMISSIONS)


class DmsClosed(Unreachable):
    """Discord's 50007: this user takes no DMs from us (closed DMs, blocked, or no shared
    server). The one Unreachable worth a mention in a program channel."""


def channel_id_of(configured: str) -> int | None:
    """A Discord channel id from what a coordinator configured: ``123…`` or ``<#123…>``
    (how Discord sends a #channel typed into a text option). None for anything else,
    e.g. a Slack channel name configured for a program on several platforms."""
    found = _CHANNEL_REF.match(configured.strip())
    return int(found.group(1)) if found else None


def delivery_error(exc: BaseException) -> DeliveryError:
    """What a failed Discord send means for the outbox."""
    if isinstance(exc, discord.RateLimited):  # longer than max_ratelimit_wait
        # Without the response we can't tell a global limit from a route's, and pausing
        # the whole bot for one channel's bucket stalls every other DM: the route's. (The
        # sends themselves convert with the response, see DiscordMessenger._rate_limited.)
        return RateLimited(exc.retry_after, scope=ROUTE_LIMIT)
    if isinstance(exc, discord.Forbidden):
        if exc.code == CANNOT_MESSAGE_USER:
            return DmsClosed("the user does not accept DMs from this bot (50007)")
        return Unreachable(f"forbidden ({exc.code})")
    if isinstance(exc, discord.NotFound):
        if exc.code == UNKNOWN_USER:
            return Unreachable("unknown Discord user (10013)")
        return TransientFailure(f"not found ({exc.code})")
    if isinstance(exc, discord.DiscordServerError):
        return TransientFailure(f"Discord server error {exc.status}")
    if isinstance(exc, discord.HTTPException):
        # a 4xx other than the above is our bug (a payload Discord refuses); keep the
        # message for a later attempt after the fix, and say so loudly
        log.error("Discord refused a message: HTTP %s code %s", exc.status, exc.code)
        return TransientFailure(f"HTTP {exc.status} ({exc.code})")
    return TransientFailure(f"network: {type(exc).__name__}")


def answered_label(interaction: discord.Interaction[Any], custom_id: str) -> str | None:
    """The label of the pressed button (``custom_id``) when it answers the message it
    sits on (see core.messages.Action), else None."""
    try:
        if not Action.decode(custom_id).answers_its_message:
            return None
    except ValueError:
        return None
    for row in interaction.message.components if interaction.message else ():
        for item in getattr(row, "children", ()):
            if getattr(item, "custom_id", None) == custom_id:
                return str(getattr(item, "label", None) or "")
    return None


def only_user(user_id: int) -> discord.AllowedMentions:
    """Mentions that may ping this one user and nobody else (no @everyone, no roles)."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(user_id)]
    )


def sdk_kwargs(message: DiscordMessage) -> dict[str, Any]:
    """discord.py keyword arguments for ``send``/``send_message``/``followup.send``."""
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if message.content:
        kwargs["content"] = message.content
    if message.embeds:
        kwargs["embeds"] = [discord.Embed.from_dict(dict(embed)) for embed in message.embeds]
    if message.buttons:
        kwargs["view"] = inert_view(message)
    if message.file is not None:  # multipart: files[0] and its attachments metadata
        data = io.BytesIO(message.file.data)
        kwargs["file"] = discord.File(data, filename=message.file.filename)
    return kwargs


def inert_view(message: DiscordMessage) -> discord.ui.View:
    """The buttons as a View discord.py won't keep: stopped before it is sent.

    discord.py stores every unfinished View it sends and dispatches clicks to it. We
    decode custom_ids in ``on_interaction`` instead, which works for messages from any
    earlier run; a stored ``timeout=None`` View per message would only grow memory.
    """
    view = discord.ui.View(timeout=None)
    for row_index, row in enumerate(message.rows()):
        for button in row:
            view.add_item(
                discord.ui.Button(
                    label=button.label,
                    custom_id=button.custom_id,
                    style=discord.ButtonStyle(int(button.style)),
                    row=row_index,
                )
            )
    view.stop()
    return view


def answer_modal(question: str, language: str | None = None) -> discord.ui.Modal:
    """The question (``question``: the text of the message the answer button sits on) and
    one text input under a label saying its limit; its submission becomes a core
    ``Message``. Stopped for the same reason as :func:`inert_view`: the submission is read
    in ``on_interaction``. The same JSON as render.answer_modal_payload."""
    title = written_in(ANSWER_MODAL_TITLE, language)
    modal = discord.ui.Modal(title=title, custom_id=ANSWER_MODAL_ID, timeout=None)
    if question.strip():
        modal.add_item(discord.ui.TextDisplay(truncate(question, TEXT_DISPLAY_LIMIT)))
    text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
        custom_id=ANSWER_INPUT_ID,
        style=discord.TextStyle.paragraph,
        max_length=ANSWER_MAX_LENGTH,
        required=True,
    )
    modal.add_item(
        discord.ui.Label(
            text=written_in(ANSWER_INPUT_LABEL, language),
            description=written_in(ANSWER_INPUT_HINT, language),
            component=text_input,
        )
    )
    modal.stop()
    return modal


def question_of(message: discord.Message | None) -> str:
    """What a message asks, as Discord shows it: its text, else its embed's."""
    if message is None:
        return ""
    if message.content:
        return message.content
    embed = message.embeds[0] if message.embeds else None
    if embed is None:
        return ""
    return "\n".join(
        part for part in (embed.title and f"**{embed.title}**", embed.description) if part
    )


def facts_of(interaction: discord.Interaction[Any]) -> InteractionFacts:
    user = interaction.user
    return InteractionFacts(
        id=interaction.id,
        type=interaction.type.value,
        data=cast(Mapping[str, Any], interaction.data or {}),
        user_id=user.id,
        username=user.name,
        global_name=user.global_name,
        locale=interaction.locale.value if interaction.locale else None,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        # the payload's member.permissions: the member's in this channel, overwrites
        # included (0 in a DM)
        permissions=interaction.permissions.value if interaction.guild_id else 0,
    )


def _nonce(*parts: object) -> str:
    """Discord drops a second message with the same nonce (enforce_nonce) for a few
    minutes: a request discord.py retries after a lost response is not posted twice."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:25]


@dataclass(frozen=True, slots=True)
class Limit429:
    """What one 429 response named: its ``X-RateLimit-Scope`` ("user" or "shared": one
    route's bucket, ``X-RateLimit-Bucket`` for a channel; "global": the whole bot, also
    ``X-RateLimit-Global: true``) and its ``Retry-After``."""

    scope: str
    bucket: str
    retry_after: float

    @property
    def is_global(self) -> bool:
        return self.scope == "global"


class RateLimitWatch:
    """What each 429 named, for the call that got it.

    discord.py waits out a 429 up to ``max_ratelimit_timeout`` itself and raises
    ``discord.RateLimited`` — the wait, nothing more — for a longer one, or before asking
    when a bucket it keeps count of is spent for longer. Whether Discord meant the whole
    bot or one route's bucket is only in the response: this sees every response through
    discord.py's documented ``http_trace`` hook (an aiohttp ``TraceConfig``, run in the
    task that made the request) and gives the 429s of the requests made inside
    :meth:`call` to that call alone. A global 429 pauses the bot at once: discord.py holds
    every request meanwhile, so the outbox should not line more up.
    """

    def __init__(self, on_global: Callable[[float], None]) -> None:
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_end.append(self._on_request_end)
        self._on_global = on_global
        self._seen: ContextVar[list[Limit429] | None] = ContextVar("discord_429s", default=None)

    @contextlib.contextmanager
    def call(self) -> Iterator[list[Limit429]]:
        """The 429s that the requests made inside get, in order."""
        seen: list[Limit429] = []
        token = self._seen.set(seen)
        try:
            yield seen
        finally:
            self._seen.reset(token)

    async def _on_request_end(
        self, session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestEndParams
    ) -> None:
        response = params.response
        if response.status != 429:
            return
        headers = response.headers
        is_global = headers.get("X-RateLimit-Global", "").lower() == "true"
        scope = "global" if is_global else headers.get("X-RateLimit-Scope", "user").lower()
        limit = Limit429(
            scope, headers.get("X-RateLimit-Bucket", ""), _seconds(headers.get("Retry-After"))
        )
        seen = self._seen.get()
        if seen is not None:
            seen.append(limit)
        if limit.is_global:
            self._on_global(limit.retry_after)


def _seconds(raw: str | None) -> float:
    try:
        return max(0.0, float(raw)) if raw is not None else 1.0
    except ValueError:
        return 1.0


class _MentorClient(discord.Client):
    def __init__(
        self, messenger: DiscordMessenger, settings: DiscordSettings, trace: aiohttp.TraceConfig
    ) -> None:
        super().__init__(
            http_trace=trace,
            intents=intents(members=settings.track_members),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=settings.guild_ready_timeout,
            max_ratelimit_timeout=max(settings.max_ratelimit_wait, 30.0),
            chunk_guilds_at_startup=False,
        )
        self._messenger = messenger

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        with event_correlated():  # every log line this event causes carries one id
            await self._messenger.handle_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        with event_correlated():
            await self._messenger.handle_dm(message)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """GUILD_DELETE without ``unavailable``: the bot was removed (kicked, or the guild
        deleted). An outage sends ``unavailable: true``, which discord.py reports as
        ``on_guild_unavailable`` instead: nothing is purged for that."""
        await self._messenger.handle_guild_removed(guild.id)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """GUILD_MEMBER_REMOVE (only with ``track_members``): they left, or were removed."""
        await self._messenger.handle_member_left(payload.user.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """The bot was added (again): a pending purge of the guild's data is called off."""
        await self._messenger.handle_guild_joined(guild.id)


class DiscordMessenger(FailsForGood):
    """The Discord adapter: receives slash commands, buttons, modals and DMs; sends DMs.

    Implements :class:`core.delivery.Messenger` and ``ConversationOpener``. ``send``
    delivers a reply as a DM, opening the DM channel on demand (cached; the outbox paces
    new ones); when the user's DMs are closed it asks them in their program's channel to
    open them.
    """

    platform = DISCORD

    def __init__(
        self,
        hub: Hub,
        *,
        token: TokenSource,
        settings: DiscordSettings | None = None,
        pacer: Pacer | None = None,
        pacing: PlatformPacing | None = None,
    ) -> None:
        self.hub = hub
        self.settings = settings or DiscordSettings()
        self._native = NativeCommands(hub.registry, schema.DiscordSyntax(hub.registry.all()))
        self._pacer = pacer or Pacer()  # the process's one pacer, shared with the outbox
        self._pacing = pacing or pacing_rules.pacing(
            new_dms_per_hour=self.settings.new_dms_per_hour
        )
        self._watch = RateLimitWatch(self._pause_bot)
        self._token = token
        self._client: _MentorClient | None = None
        self._gateway: asyncio.Task[None] | None = None
        self._handled: RecentKeys[int | str] = RecentKeys()
        self._dm_channels: LruCache[int, int] = LruCache(50_000)
        self._dm_lock = asyncio.Lock()
        self._per_user: KeyedLocks[int] = KeyedLocks()
        self._mentioned_at: LruCache[int, datetime] = LruCache(50_000)
        self._latch = FailureLatch("Discord")
        self._stopping_after_failure: asyncio.Task[None] | None = None  # held: a task
        # nobody references may be collected before it is done
        self._direct_loaded = False

    @property
    def client(self) -> discord.Client | None:
        return self._client

    @property
    def ready(self) -> bool:
        """Logged in and, when receiving, past READY; never after a failure for good."""
        client = self._client
        if self._latch.reason is not None or client is None or client.is_closed():
            return False
        return self._gateway is None or client.is_ready()

    # -- lifecycle ------------------------------------------------------------------------

    def _render(
        self, reply: Reply, *, answer_button: bool = False, file_limit: int | None = None
    ) -> DiscordMessage:
        """``reply`` as a Discord message, its command references as Discord users type them."""
        return render_reply(
            self._native.reply(reply), answer_button=answer_button, file_limit=file_limit
        )

    async def start(self) -> None:
        """Log in, connect the gateway, wait (bounded) for READY, register /mentor."""
        await self.start_sending()
        await self.start_receiving()

    async def start_sending(self) -> None:
        """Log in over HTTP: enough to open DMs and send; no gateway yet."""
        self._latch.check()  # nothing changes until a restart
        if self._client is not None:
            return
        use_endpoints(self.settings.api_base, self.settings.gateway_url)
        client = _MentorClient(self, self.settings, self._watch.trace)
        self._client = client
        try:
            await client.login(self._token.reveal())
        except discord.LoginFailure as exc:
            await self.stop()
            raise self._fail(f"refused the bot token: {LOGIN_REFUSED}") from exc
        except BaseException:
            await self.stop()
            raise
        await self._load_direct_channels()

    async def _load_direct_channels(self) -> None:
        """The DM channels and DMs-closed mentions of earlier runs (once per adapter)."""
        if self._direct_loaded:
            return
        try:
            known = await self.hub.direct_channels.known(DISCORD)
        except Exception:  # sending still works: DMs are opened again as needed
            log.exception("could not read the known Discord DM channels")
            return
        self._direct_loaded = True
        for direct in known:
            if not direct.user_id.isdigit():
                continue
            if direct.channel_id.isdigit():
                self._dm_channels.put(int(direct.user_id), int(direct.channel_id))
            if direct.asked_to_open_at is not None:
                self._mentioned_at.put(int(direct.user_id), direct.asked_to_open_at)
        log.info("Discord: %d known DM channel(s) loaded", len(self._dm_channels))

    def receiver_name(self) -> str | None:
        """Each gateway shard must be connected once: two sessions would both receive,
        and answer, every interaction. (mentorhub runs one shard.)"""
        client = self._require_client()
        return f"discord-gateway:{client.application_id}:0"

    async def start_receiving(self) -> None:
        """Connect the gateway, wait (bounded) for READY, register /mentor."""
        if self._gateway is not None:
            return
        if self._client is None:  # a failed earlier try closed it
            await self.start_sending()
        client = self._require_client()
        try:
            self._gateway = asyncio.create_task(
                client.connect(reconnect=True), name="discord-gateway"
            )
            self._gateway.add_done_callback(self._gateway_ended)
            await self._wait_ready(client, self._gateway)
            await self._sync_commands(client)
        except BaseException as exc:
            await self.stop()
            if self._latch.reason is not None and not isinstance(exc, MessengerFailed):
                raise MessengerFailed(self._latch.reason) from exc  # what failed under it
            raise

    async def stop_receiving(self) -> None:
        """discord.py closes HTTP with the gateway: close both, then log in again to send."""
        if self._gateway is None:
            return
        await self.stop()
        await self.start_sending()
        log.info("Discord: gateway closed (another worker may take over)")

    async def stop(self) -> None:
        client, gateway = self._client, self._gateway
        self._client = self._gateway = None
        if client is not None:
            await client.close()
        if gateway is not None:
            try:
                await asyncio.wait_for(gateway, 10)
            except TimeoutError:
                log.warning("the Discord gateway task did not end within 10 s")
            except Exception as exc:  # already reported by start(), or a dead connection
                log.debug("Discord gateway ended with %r", exc)

    def _gateway_ended(self, gateway: asyncio.Task[None]) -> None:
        """discord.py reconnects by itself, so the gateway task ends only when we stop it
        or after a close no reconnect fixes (a bad token, intents): then this messenger
        has failed, and its REST client is closed too, so nothing is sent half-deaf."""
        if gateway is not self._gateway or gateway.cancelled():
            return  # our own stop()
        error = gateway.exception()
        if error is None:
            return
        self._fail(fatal_close(error) or f"gateway ended unexpectedly: {error!r}")
        self._stopping_after_failure = asyncio.ensure_future(self.stop())

    async def _wait_ready(self, client: discord.Client, gateway: asyncio.Task[None]) -> None:
        ready = asyncio.ensure_future(client.wait_until_ready())
        try:
            done, __ = await asyncio.wait(
                {ready, gateway},
                timeout=self.settings.ready_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            ready.cancel()
        if ready in done:
            return
        if gateway in done:
            error = gateway.exception()
            if error is not None:
                raise self._fail(fatal_close(error) or f"gateway ended: {error!r}") from error
            raise RuntimeError("the Discord gateway closed before it was ready")
        raise TimeoutError(f"Discord sent no READY within {self.settings.ready_timeout:.0f} s")

    async def _sync_commands(self, client: discord.Client) -> None:
        application_id = client.application_id
        assert application_id is not None  # set by login()
        specs = self.hub.registry.all()
        guild_payload = schema.command_payloads(specs, global_scope=False)
        for problem in schema.check_limits(guild_payload):
            log.error("Discord will refuse the commands: %s", problem)
        if not self.settings.guild_ids and not self.settings.sync_global:
            log.warning(
                "discord.guild_ids is empty and sync_global is false: /mentor is not "
                "registered anywhere (DMs to the bot still work)"
            )
        if self.settings.sync_global:
            await client.http.bulk_upsert_global_commands(
                application_id, schema.command_payloads(specs, global_scope=True)
            )
            # A server shows its guild commands beside the global ones: each would show
            # twice. The guild_ids keep only the removal of earlier guild-only copies.
            guild_payload = []
            if self.settings.guild_ids:
                log.info("sync_global: removing the guild copies of /mentor in guild_ids")
        for guild_id in self.settings.guild_ids:
            try:
                await client.http.bulk_upsert_guild_commands(
                    application_id, guild_id, guild_payload
                )
            except (discord.Forbidden, discord.NotFound) as exc:
                log.error(
                    "could not register /mentor in guild %s (%s). Is the bot in that "
                    "server, invited with the applications.commands scope? Invite: %s",
                    guild_id,
                    exc.text or exc.status,
                    invite_url(application_id),
                )

    def _require_client(self) -> discord.Client:
        self._latch.check()
        # REST works without the gateway, so a reconnecting gateway doesn't stop sends
        if self._client is None or self._client.is_closed():
            raise TransientFailure("the Discord adapter is not running")
        return self._client

    # -- outbound ----------------------------------------------------------------------------

    async def send(self, account: PlatformAccount, reply: Reply, *, nonce: str = "") -> None:
        """Deliver ``reply`` as a DM. DMs need no answer button: people type to the bot.

        Fallback: when Discord refuses the DM with 50007, the user is mentioned in a
        channel of one of their programs (``Program.channel``) with a neutral request to
        open their DMs — never the notice itself, which is personal — and the notice
        counts as delivered. Without a usable channel, or when they were mentioned within
        ``fallback_quiet_hours`` already, :class:`DmsClosed` (an Unreachable) propagates.
        """
        try:
            await self._send_dm(account, reply, nonce=nonce)
        except DmsClosed:
            self.hub.forget_reachable(account.platform, account.workspace, account.user_id)
            if not await self._ask_to_open_dms(account):
                raise

    async def send_keyed(self, account: PlatformAccount, reply: Reply, *, key: str) -> None:
        """``send``, its nonce made from the outbox key (see :meth:`confirm_sent`)."""
        await self.send(account, reply, nonce=_nonce("outbox", account.user_id, key))

    async def confirm_sent(
        self, account: PlatformAccount, key: str, reply: Reply, *, attempted_at: datetime
    ) -> bool | None:
        """After a worker died sending ``reply``: Discord can't be asked whether a message
        exists, but for a few minutes it answers a repeat of a nonce from us with the
        message it already created (``enforce_nonce``). Within :data:`NONCE_TRUSTED` of
        the attempt, sending it again with the key's nonce delivers it exactly once either
        way; later that could post it twice, so: can't tell (the outbox assumes it sent)."""
        if self.hub.clock.now() - attempted_at > NONCE_TRUSTED:
            return None
        await self.send_keyed(account, reply, key=key)
        return True

    def opens_conversation(self, account: PlatformAccount) -> bool:
        """True when we know no DM channel with this user: a send opens one."""
        return account.user_id.isdigit() and self._dm_channels.get(int(account.user_id)) is None

    async def _send_dm(self, account: PlatformAccount, reply: Reply, *, nonce: str = "") -> None:
        user_id = int(account.user_id)
        message = self._render(reply)
        scopes = self._scopes(str(user_id))
        await self._turn(scopes, taken=True)  # the outbox took the tokens, new DM included
        channel_id = await self._dm_channel_id(user_id)
        try:
            await self._post(
                channel_id,
                message,
                scopes,
                allowed=discord.AllowedMentions.none(),
                nonce=nonce or _nonce("dm", channel_id, message.payload()),
            )
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_CHANNEL:
                self._dm_channels.pop(user_id)  # stale cache entry: reopen next time
                await self._store(self.hub.direct_channels.closed(DISCORD, str(user_id)))
            raise delivery_error(exc) from exc
        except _SEND_ERRORS as exc:
            raise delivery_error(exc) from exc

    async def _ask_to_open_dms(self, account: PlatformAccount) -> bool:
        """The DMs-closed fallback; True when a channel now asks the user to open DMs."""
        user_id = int(account.user_id)
        now = self.hub.clock.now()
        last = self._mentioned_at.get(user_id)
        if last is not None and now - last < timedelta(hours=self.settings.fallback_quiet_hours):
            log.info("DMs to %s are closed; they were asked to open them recently", user_id)
            return False
        try:
            configured = await self.hub.fallback_channels(account.person_id, DISCORD)
        except Exception:
            log.exception("could not read the fallback channels of person %s", account.person_id)
            return False
        message = DiscordMessage(content=dms_closed_text(user_id, None))
        for raw in configured:
            channel_id = channel_id_of(raw)
            if channel_id is None:
                log.debug("fallback channel %r is not a Discord channel id", raw[:40])
                continue
            try:
                scopes = self._scopes(str(channel_id))
                await self._turn(scopes)
                await self._post(
                    channel_id,
                    message,
                    scopes,
                    allowed=only_user(user_id),
                    nonce=_nonce("dms-closed", channel_id, user_id, now.isoformat()),
                )
            except (*_SEND_ERRORS, DeliveryError) as exc:
                log.warning("DMs-closed mention in channel %s failed: %r", channel_id, exc)
                continue
            self._mentioned_at.put(user_id, now)
            await self._store(self.hub.direct_channels.asked_to_open(DISCORD, str(user_id), now))
            log.info("DMs to %s are closed; asked them in channel %s", user_id, channel_id)
            return True
        return False

    async def post_to_space(self, space: str, reply: Reply) -> None:
        """An announcement in a program's channel (``discord:<channel id>``), mentioning
        nobody. Only the core's space posts come here, never anything personal."""
        platform, __, configured = space.partition(":")
        channel_id = channel_id_of(configured) if platform == self.platform.value else None
        if channel_id is None:
            raise Unreachable(f"not a Discord channel: {space[:64]!r}")
        try:
            await self.post_in_channel(str(channel_id), None, reply)
        except Unreachable as refused:
            raise SpaceRefused(str(refused), advice=SPACE_ADVICE) from refused

    async def post_in_channel(
        self, channel_id: str, mention_user_id: str | None, reply: Reply
    ) -> None:
        """Post ``reply`` in a guild channel, mentioning at most that one user
        (``allowed_mentions`` lists only them: no @everyone, no roles). Raises the same
        DeliveryErrors as :meth:`send`."""
        message = self._render(reply, answer_button=True)
        allowed = discord.AllowedMentions.none()
        if mention_user_id is not None:
            mention = f"<@{int(mention_user_id)}>"
            content = f"{mention} {message.content}" if message.content else mention
            message = dataclasses.replace(message, content=truncate(content, CONTENT_LIMIT))
            allowed = only_user(int(mention_user_id))
        scopes = self._scopes(str(int(channel_id)))
        await self._turn(scopes)
        try:
            await self._post(
                int(channel_id),
                message,
                scopes,
                allowed=allowed,
                nonce=_nonce("channel", channel_id, mention_user_id, message.payload()),
            )
        except _SEND_ERRORS as exc:
            raise delivery_error(exc) from exc

    async def _post(
        self,
        channel_id: int,
        message: DiscordMessage,
        scopes: list[Scope],
        *,
        allowed: discord.AllowedMentions,
        nonce: str,
    ) -> None:
        """Post in a channel whose pacing turn has come; raises RateLimited for a 429."""
        channel = self._require_client().get_partial_messageable(channel_id)
        kwargs = sdk_kwargs(message)
        kwargs["allowed_mentions"] = allowed
        with self._watch.call() as seen:
            try:
                await channel.send(nonce=nonce, **kwargs)
            except discord.RateLimited as exc:
                raise self._rate_limited(exc, seen, scopes[-1]) from exc

    def _scopes(self, conversation: str) -> list[Scope]:
        """The pacing scopes of a DM (named by the user's id, as the outbox names it) or
        of a server channel (by its id)."""
        return self._pacing.scopes_for("", conversation)

    async def _turn(self, scopes: list[Scope], *, taken: bool = False) -> None:
        """Wait for a send's pacing turn and take its tokens — or, when the outbox took
        them (``taken``), only wait out a 429's pause. RateLimited beyond a capped wait."""
        limit = self.settings.reply_wait_limit
        if taken:
            ready = await self._pacer.wait_out_pauses(scopes, give_up_after=limit)
        else:
            ready = await self._pacer.acquire(scopes, give_up_after=limit)
        if not ready:
            slowest = max(scopes, key=lambda scope: self._pacer.wait_time([scope]))
            raise RateLimited(self._pacer.wait_time(scopes), scope=slowest.name)

    def _rate_limited(
        self, exc: discord.RateLimited, seen: list[Limit429], route: Scope
    ) -> RateLimited:
        """A limit longer than discord.py waits: pause exactly what the call's last 429
        named — the bot for a global one, else ``route`` (the conversation, or the new-DM
        budget): a route's bucket, or one discord.py found spent without asking."""
        last = seen[-1] if seen else None
        scope = self._pacing.bot_scope() if last is not None and last.is_global else route
        log.info(
            "Discord limit (%s) for %.1fs: pausing %s",
            f"429 {last.scope}, bucket {last.bucket or '-'}" if last else "discord.py's count",
            exc.retry_after,
            scope.name,
        )
        self._pacer.pause(scope, exc.retry_after)
        return RateLimited(exc.retry_after, scope=scope.name)

    def _pause_bot(self, seconds: float) -> None:
        self._pacer.pause(self._pacing.bot_scope(), seconds)

    async def _dm_channel_id(self, user_id: int) -> int:
        cached = self._dm_channels.get(user_id)
        if cached is not None:
            return cached
        client = self._require_client()
        async with self._dm_lock:  # one open per user even when sends race
            cached = self._dm_channels.get(user_id)
            if cached is not None:
                return cached
            with self._watch.call() as seen:
                try:
                    channel = await client.create_dm(discord.Object(user_id))
                except discord.RateLimited as exc:
                    new_dm = self._pacing.scopes_for("", str(user_id), opens_conversation=True)
                    raise self._rate_limited(exc, seen, new_dm[-1]) from exc
                except _SEND_ERRORS as exc:
                    raise delivery_error(exc) from exc
            self._dm_channels.put(user_id, channel.id)
            await self._keep_dm_channel(user_id, channel.id)
            return channel.id

    def _learn_dm_channel(self, user_id: int, channel_id: int) -> bool:
        """Remember a user's DM channel; True when it is news, to keep it (after answering:
        keeping it is a database write)."""
        if self._dm_channels.get(user_id) == channel_id:
            return False
        self._dm_channels.put(user_id, channel_id)
        return True

    async def _keep_dm_channel(self, user_id: int, channel_id: int) -> None:
        """Store a DM channel, so that a restarted adapter sends there without opening it
        again (for people with an account here; nothing is kept about anyone else)."""
        await self._store(self.hub.direct_channels.opened(DISCORD, str(user_id), str(channel_id)))

    @staticmethod
    async def _store(write: Awaitable[object]) -> None:
        """A write about DMs: failing it costs a DM reopened or a mention repeated later,
        never the send at hand."""
        try:
            await write
        except Exception:
            log.exception("could not store what we know of a Discord DM")

    # -- inbound -----------------------------------------------------------------------------

    async def handle_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if not self._handled.first_time(interaction.id):
            log.info("interaction %s was already handled; ignoring the replay", interaction.id)
            return
        try:
            facts = facts_of(interaction)
            news = self._remember_dm_channel(interaction, facts)
            await self._dispatch(interaction, facts)
            if news and facts.channel_id is not None:  # after answering: a database write
                await self._keep_dm_channel(facts.user_id, facts.channel_id)
            if not facts.in_guild:  # after answering: this may touch the database
                await self.hub.note_reachable(user_ref(facts))
        except Exception:
            log.exception("handling Discord interaction %s failed", interaction.id)

    async def _dispatch(
        self, interaction: discord.Interaction[Any], facts: InteractionFacts
    ) -> None:
        inbound = translate(facts)
        if isinstance(inbound, Suggest):
            values = await self._suggestions(inbound, user_ref(facts), facts.locale)
            await interaction.response.autocomplete(
                [app_commands.Choice(name=truncate(v, 100), value=v[:100]) for v in values]
            )
        elif isinstance(inbound, OpenAnswer):
            modal = answer_modal(question_of(interaction.message), supported(facts.locale))
            await interaction.response.send_modal(modal)
        elif isinstance(inbound, Ignore):
            log.debug("ignored interaction %s: %s", facts.id, inbound.reason)
        else:
            work = self.hub.handle(inbound)
            answered = (
                answered_label(interaction, inbound.action_id)
                if isinstance(inbound, Press)
                else None
            )
            await self._answer(
                interaction, facts, self._in_order(facts.user_id, work), answered=answered
            )

    async def _suggestions(self, inbound: Suggest, ref: UserRef, locale: str | None) -> list[str]:
        spec = self.hub.registry.get(inbound.verb)
        kind = schema.lookup_kind(spec, inbound.option)
        typed = inbound.typed[: schema.SHORT_TEXT_MAX_LENGTH]
        try:
            if kind is ArgKind.PROGRAM:
                return await self.hub.complete_programs(typed)
            if kind is ArgKind.PERSON:
                return await self.hub.complete_handles(ref, typed)
        except Exception:  # no suggestions beats a failed interaction
            log.exception("autocomplete for %s %s failed", inbound.verb, inbound.option)
            return []
        return schema.suggestions(spec, inbound.option, inbound.typed, locale)

    async def _answer(
        self,
        interaction: discord.Interaction[Any],
        facts: InteractionFacts,
        work: Awaitable[Outcome],
        *,
        answered: str | None = None,
    ) -> None:
        """Run ``work`` and answer with its replies. ``answered``: the label of the pressed
        button when it answers the message it sits on (a dialog step, Accept/Decline):
        that message is updated in place (callback type 7) to show the answer, without
        live buttons, and the replies follow it."""
        ephemeral = facts.in_guild
        task = asyncio.ensure_future(work)
        done, __ = await asyncio.wait({task}, timeout=self.settings.ack_budget)
        if not done:
            try:
                if answered is not None:  # type 6: the pressed message is updated later
                    await interaction.response.defer()
                else:
                    await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            except discord.HTTPException as exc:
                log.warning("deferring interaction %s failed: %s", facts.id, exc)
        try:
            outcome = await task
        except Exception:  # the hub answers its own errors; this is a last resort
            log.exception("core call for interaction %s failed", facts.id)
            sorry = Reply(APOLOGY, is_error=True, language=supported(facts.locale))
            outcome = Outcome(replies=[sorry])
        if answered is not None and not any(r.is_error for r in outcome.replies):
            # After an error the question stays open (same step), and so do its buttons.
            await self._show_answered(interaction, answered)
        limit = interaction.filesize_limit  # the interaction's attachment_size_limit
        messages = [
            self._render(r, answer_button=facts.in_guild, file_limit=limit) for r in outcome.replies
        ]
        if not messages:
            messages = [DiscordMessage(content=written_in(DONE, supported(facts.locale)))]
        await self._respond(interaction, messages, ephemeral)

    async def _show_answered(self, interaction: discord.Interaction[Any], label: str) -> None:
        """The pressed message as it was, with the answer under it and no buttons."""
        message = interaction.message
        if message is None:
            return
        answer = f"› {escape(label)}"
        content = f"{message.content}\n{answer}" if message.content else answer
        try:
            if not interaction.response.is_done():
                await interaction.response.edit_message(
                    content=truncate(content, CONTENT_LIMIT), view=None
                )
            else:
                await interaction.edit_original_response(
                    content=truncate(content, CONTENT_LIMIT), view=None
                )
        except discord.HTTPException as exc:
            log.warning("updating the answered message of %s failed: %s", interaction.id, exc)

    async def _in_order(self, user_id: int, work: Awaitable[Outcome]) -> Outcome:
        async with self._per_user.hold(user_id):
            return await work

    async def _respond(
        self,
        interaction: discord.Interaction[Any],
        messages: list[DiscordMessage],
        ephemeral: bool,
    ) -> None:
        for message in messages:
            kwargs = sdk_kwargs(message)
            try:
                if not interaction.response.is_done():
                    await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
                else:
                    await interaction.followup.send(ephemeral=ephemeral, **kwargs)
            except discord.HTTPException as exc:
                log.warning("answering interaction %s failed: %s", interaction.id, exc)
                return

    def _remember_dm_channel(
        self, interaction: discord.Interaction[Any], facts: InteractionFacts
    ) -> bool:
        """Learn the DM channel an interaction came from; True when it is news."""
        channel = interaction.channel
        if isinstance(channel, discord.DMChannel) and facts.channel_id is not None:
            recipient = channel.recipient
            if recipient is None or recipient.id == facts.user_id:
                return self._learn_dm_channel(facts.user_id, facts.channel_id)
        return False

    async def handle_dm(self, message: discord.Message) -> None:
        """Free text in the bot's DMs. Guild messages are ignored: without the
        message-content intent their text is empty, and we never asked to read it."""
        if message.guild is not None or message.author.bot:
            return
        if not self._handled.first_time(message.id):
            log.info("message %s was already handled; ignoring the replay", message.id)
            return
        author = message.author
        news = self._learn_dm_channel(author.id, message.channel.id)
        ref = discord_user_ref(author.id, author.name, author.global_name)
        try:
            if message.content.strip():
                work = self.hub.handle(Message(ref, message.content))
                outcome = await self._in_order(author.id, work)
            else:
                outcome = Outcome(replies=[Reply(EMPTY_DM_REPLY)])
            scopes = self._scopes(str(author.id))
            for index, reply in enumerate(outcome.replies):
                await self._turn(scopes)
                await self._post(
                    message.channel.id,
                    self._render(reply),
                    scopes,
                    allowed=discord.AllowedMentions.none(),
                    nonce=f"{message.id}-{index}",
                )
        except (*_SEND_ERRORS, DeliveryError) as exc:
            log.warning("answering DM %s failed: %r", message.id, exc)
        except Exception:
            log.exception("handling DM %s failed", message.id)
        # after the answer: awaiting before _in_order would let later DMs overtake this one
        if news:
            await self._keep_dm_channel(author.id, message.channel.id)
        await self.hub.note_reachable(ref)

    async def handle_guild_removed(self, guild_id: int) -> None:
        """The bot left a guild: its programs' data is purged after the grace period."""
        try:
            await self.hub.handle(WorkspaceRemoved(DISCORD, str(guild_id)))
        except Exception:
            log.exception("could not record that guild %s removed the bot", guild_id)

    async def handle_member_left(self, user_id: int) -> None:
        """A member left the server: the bot can no longer reach them (a DM needs a shared
        server), so their account is gone; the person keeps their others."""
        try:
            await self.hub.handle(AccountGone(UserRef(DISCORD, "", str(user_id))))
        except Exception:
            log.exception("could not record that a Discord member left")

    async def handle_guild_joined(self, guild_id: int) -> None:
        try:
            await self.hub.handle(WorkspaceRestored(DISCORD, str(guild_id)))
        except Exception:
            log.exception("could not record that guild %s added the bot", guild_id)
