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
import dataclasses
import hashlib
import io
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import aiohttp
import discord
from discord import app_commands

from adapters.discord import commands as schema
from adapters.discord import pacing_rules
from adapters.discord.render import (
    ANSWER_INPUT_ID,
    ANSWER_INPUT_LABEL,
    ANSWER_MAX_LENGTH,
    ANSWER_MODAL_ID,
    ANSWER_MODAL_TITLE,
    CONTENT_LIMIT,
    DiscordMessage,
    render_reply,
    truncate,
)
from adapters.discord.settings import DISCORD
from adapters.discord.translate import (
    Ignore,
    InteractionFacts,
    OpenAnswer,
    Suggest,
    discord_user_ref,
    translate,
    user_ref,
)
from core.delivery import DeliveryError, RateLimited, TransientFailure, Unreachable
from core.hub import APOLOGY, Hub
from core.identity import PlatformAccount, UserRef
from core.inbound import Message, ReachabilityChange, WorkspaceRemoved, WorkspaceRestored
from core.memory import KeyedLocks, LruCache, RecentKeys
from core.messages import Outcome, Reply
from core.pacing import Pacer, PlatformPacing, Scope
from core.registry import ArgKind

log = logging.getLogger(__name__)

CANNOT_MESSAGE_USER = 50007
UNKNOWN_CHANNEL = 10003
UNKNOWN_USER = 10013
_CHANNEL_PATH = re.compile(r"/channels/(\d+)/")

# View Channels, Send Messages, Embed Links, Use Application Commands
PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 31)
INVITE_URL = (
    "https://discord.com/oauth2/authorize?client_id={application_id}"
    "&scope=bot+applications.commands&permissions={permissions}"
)
EMPTY_DM_REPLY = "I can only read text. Send `help` to see what I can do."
# The whole text of a DM-closed fallback: it is posted in a shared channel, so it says
# nothing about the notice it stands for.
DMS_CLOSED_TEXT = (
    "<@{user_id}>, I couldn't DM you — please open your DMs (server menu → Privacy "
    "Settings → Direct Messages) and send me a message, or use /mentor here, e.g. "
    "/mentor pairs."
)
_CHANNEL_REF = re.compile(r"^(?:<#)?(\d{15,21})>?$")
# How long after a send Discord surely still knows its nonce ("the past few minutes", it
# says): the outbox finds a dead worker's row once its lease (2 min by default) expired.
NONCE_TRUSTED = timedelta(minutes=3)

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


def intents() -> discord.Intents:
    """Only what we use: ``guilds`` (discord.py's guild/channel cache) and ``dm_messages``
    (free-text answers in DMs). No privileged intent: no members, presences or
    message_content; interactions need no intent at all."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.dm_messages = True
    return wanted


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
        return RateLimited(exc.retry_after, scope="discord")
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
    if message.embed is not None:
        kwargs["embed"] = discord.Embed.from_dict(dict(message.embed))
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


def answer_modal() -> discord.ui.Modal:
    """One text input; its submission becomes a core ``Message``. Stopped for the same reason
    as :func:`inert_view`: the submission is read in ``on_interaction``."""
    modal = discord.ui.Modal(title=ANSWER_MODAL_TITLE, custom_id=ANSWER_MODAL_ID, timeout=None)
    modal.add_item(
        discord.ui.TextInput(
            label=ANSWER_INPUT_LABEL,
            custom_id=ANSWER_INPUT_ID,
            style=discord.TextStyle.paragraph,
            max_length=ANSWER_MAX_LENGTH,
            required=True,
        )
    )
    modal.stop()
    return modal


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


class RateLimitWatch:
    """Which limit each 429 was, by the channel it came from.

    discord.py waits out a 429 up to ``max_ratelimit_timeout`` itself and raises
    ``discord.RateLimited`` — the wait, nothing more — for a longer one. Whether Discord
    meant the whole bot (``X-RateLimit-Global: true`` / ``X-RateLimit-Scope: global``) or
    one route's bucket (scope ``user`` or ``shared``) is only in the response; this sees
    every response through discord.py's documented ``http_trace`` hook (an aiohttp
    ``TraceConfig``). A global 429 pauses the bot at once: discord.py holds every request
    meanwhile, so the outbox should not line more up.
    """

    def __init__(self, on_global: Callable[[float], None]) -> None:
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_end.append(self._on_request_end)
        self._on_global = on_global
        self._global: LruCache[str, bool] = LruCache(1_000)  # limit key -> was it global

    async def _on_request_end(
        self, session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestEndParams
    ) -> None:
        response = params.response
        if response.status != 429:
            return
        headers = response.headers
        is_global = (
            headers.get("X-RateLimit-Global", "").lower() == "true"
            or headers.get("X-RateLimit-Scope", "").lower() == "global"
        )
        self._global.put(limit_key(params.url.path), is_global)
        if is_global:
            self._on_global(_seconds(headers.get("Retry-After")))

    def was_global(self, key: str) -> bool:
        """Whether the last 429 for ``key`` (see :func:`limit_key`) was global; False when
        discord.py raised before asking (a bucket it knows is exhausted: that route's)."""
        return bool(self._global.pop(key))


def limit_key(path: str) -> str:
    """A channel's id for its routes, "" for any other (opening a DM)."""
    found = _CHANNEL_PATH.search(path)
    return found.group(1) if found else ""


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
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=settings.guild_ready_timeout,
            max_ratelimit_timeout=max(settings.max_ratelimit_wait, 30.0),
            chunk_guilds_at_startup=False,
        )
        self._messenger = messenger

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await self._messenger.handle_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        await self._messenger.handle_dm(message)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """GUILD_DELETE without ``unavailable``: the bot was removed (kicked, or the guild
        deleted). An outage sends ``unavailable: true``, which discord.py reports as
        ``on_guild_unavailable`` instead: nothing is purged for that."""
        await self._messenger.handle_guild_removed(guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """The bot was added (again): a pending purge of the guild's data is called off."""
        await self._messenger.handle_guild_joined(guild.id)


class DiscordMessenger:
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
        self._known_reachable: LruCache[int, bool] = LruCache(50_000)

    @property
    def client(self) -> discord.Client | None:
        return self._client

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in, connect the gateway, wait (bounded) for READY, register /mentor."""
        await self.start_sending()
        await self.start_receiving()

    async def start_sending(self) -> None:
        """Log in over HTTP: enough to open DMs and send; no gateway yet."""
        if self._client is not None:
            return
        client = _MentorClient(self, self.settings, self._watch.trace)
        self._client = client
        try:
            await client.login(self._token.reveal())
        except BaseException:
            await self.stop()
            raise

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
            await self._wait_ready(client, self._gateway)
            await self._sync_commands(client)
        except BaseException:
            await self.stop()
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

    async def _wait_ready(self, client: discord.Client, gateway: asyncio.Task[None]) -> None:
        ready = asyncio.ensure_future(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {ready, gateway},
                timeout=self.settings.ready_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            ready.cancel()
        if ready in done:
            return
        if gateway in done:
            gateway.result()  # LoginFailure, PrivilegedIntentsRequired, …
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
        if self.settings.sync_global:
            await client.http.bulk_upsert_global_commands(
                application_id, schema.command_payloads(specs, global_scope=True)
            )

    def _require_client(self) -> discord.Client:
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
            self._known_reachable.pop(int(account.user_id))
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
        message = render_reply(reply)
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
        message = DiscordMessage(content=DMS_CLOSED_TEXT.format(user_id=user_id))
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
            log.info("DMs to %s are closed; asked them in channel %s", user_id, channel_id)
            return True
        return False

    async def post_to_space(self, space: str, reply: Reply) -> None:
        """An announcement in a program's channel (``discord:<channel id>``), mentioning
        nobody. Only the core's space posts come here, never anything personal."""
        platform, _, configured = space.partition(":")
        channel_id = channel_id_of(configured) if platform == self.platform.value else None
        if channel_id is None:
            raise Unreachable(f"not a Discord channel: {space[:64]!r}")
        await self.post_in_channel(str(channel_id), None, reply)

    async def post_in_channel(
        self, channel_id: str, mention_user_id: str | None, reply: Reply
    ) -> None:
        """Post ``reply`` in a guild channel, mentioning at most that one user
        (``allowed_mentions`` lists only them: no @everyone, no roles). Raises the same
        DeliveryErrors as :meth:`send`."""
        message = render_reply(reply, answer_button=True)
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
        try:
            await channel.send(nonce=nonce, **kwargs)
        except discord.RateLimited as exc:
            raise self._rate_limited(exc, str(channel_id), scopes[-1]) from exc

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

    def _rate_limited(self, exc: discord.RateLimited, key: str, route: Scope) -> RateLimited:
        """A 429 longer than discord.py waits: pause exactly what Discord named — the bot
        for a global one, else ``route`` (the conversation, or the new-DM budget)."""
        scope = self._pacing.bot_scope() if self._watch.was_global(key) else route
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
            try:
                channel = await client.create_dm(discord.Object(user_id))
            except discord.RateLimited as exc:
                new_dm = self._pacing.scopes_for("", str(user_id), opens_conversation=True)[-1]
                raise self._rate_limited(exc, limit_key(""), new_dm) from exc
            except _SEND_ERRORS as exc:
                raise delivery_error(exc) from exc
            self._dm_channels.put(user_id, channel.id)
            return channel.id

    # -- inbound -----------------------------------------------------------------------------

    async def handle_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if not self._handled.first_time(interaction.id):
            log.info("interaction %s was already handled; ignoring the replay", interaction.id)
            return
        try:
            facts = facts_of(interaction)
            self._remember_dm_channel(interaction, facts)
            await self._dispatch(interaction, facts)
            if not facts.in_guild:  # after answering: this may touch the database
                await self._note_reachable(user_ref(facts))
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
            await interaction.response.send_modal(answer_modal())
        elif isinstance(inbound, Ignore):
            log.debug("ignored interaction %s: %s", facts.id, inbound.reason)
        else:
            work = self.hub.handle(inbound)
            await self._answer(interaction, facts, self._in_order(facts.user_id, work))

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
    ) -> None:
        ephemeral = facts.in_guild
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.settings.ack_budget)
        if not done:
            try:
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            except discord.HTTPException as exc:
                log.warning("deferring interaction %s failed: %s", facts.id, exc)
        try:
            outcome = await task
        except Exception:  # the hub answers its own errors; this is a last resort
            log.exception("core call for interaction %s failed", facts.id)
            outcome = Outcome(replies=[Reply(APOLOGY, is_error=True)])
        limit = interaction.filesize_limit  # the interaction's attachment_size_limit
        messages = [
            render_reply(r, answer_button=facts.in_guild, file_limit=limit) for r in outcome.replies
        ]
        await self._respond(interaction, messages or [DiscordMessage(content="Done.")], ephemeral)

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
    ) -> None:
        channel = interaction.channel
        if isinstance(channel, discord.DMChannel) and facts.channel_id is not None:
            recipient = channel.recipient
            if recipient is None or recipient.id == facts.user_id:
                self._dm_channels.put(facts.user_id, facts.channel_id)

    async def handle_dm(self, message: discord.Message) -> None:
        """Free text in the bot's DMs. Guild messages are ignored: without the
        message-content intent their text is empty, and we never asked to read it."""
        if message.guild is not None or message.author.bot:
            return
        if not self._handled.first_time(message.id):
            log.info("message %s was already handled; ignoring the replay", message.id)
            return
        author = message.author
        self._dm_channels.put(author.id, message.channel.id)
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
                    render_reply(reply),
                    scopes,
                    allowed=discord.AllowedMentions.none(),
                    nonce=f"{message.id}-{index}",
                )
        except (*_SEND_ERRORS, DeliveryError) as exc:
            log.warning("answering DM %s failed: %r", message.id, exc)
        except Exception:
            log.exception("handling DM %s failed", message.id)
        # after the answer: awaiting before _in_order would let later DMs overtake this one
        await self._note_reachable(ref)

    async def handle_guild_removed(self, guild_id: int) -> None:
        """The bot left a guild: its programs' data is purged after the grace period."""
        try:
            await self.hub.handle(WorkspaceRemoved(DISCORD, str(guild_id)))
        except Exception:
            log.exception("could not record that guild %s removed the bot", guild_id)

    async def handle_guild_joined(self, guild_id: int) -> None:
        try:
            await self.hub.handle(WorkspaceRestored(DISCORD, str(guild_id)))
        except Exception:
            log.exception("could not record that guild %s added the bot", guild_id)

    async def _note_reachable(self, ref: UserRef) -> None:
        """Someone who talks to us in a DM can be DMed: undo an earlier "unreachable"
        (closed DMs). Checked once per user until a DM to them fails again."""
        user_id = int(ref.user_id)
        if self._known_reachable.get(user_id):
            return
        try:
            await self.hub.handle(ReachabilityChange(ref, reachable=True))
        except Exception:
            log.exception("could not mark Discord user %s reachable", user_id)
            return
        self._known_reachable.put(user_id, True)
