"""The Telegram messenger: python-telegram-bot inside mentorhub's asyncio loop.

Receiving: long polling (PTB's ``Updater``) or a webhook. The webhook server is our own
small aiohttp app rather than ``Updater.start_webhook``, because PTB 22 compares the
``X-Telegram-Bot-Api-Secret-Token`` header with ``!=``; we compare in constant time. Either
way updates land on the ``Application``'s queue and are processed concurrently across
chats but in order within a chat. A repeated ``update_id`` (Telegram redelivers a webhook
it thinks failed) is processed once.

Sending: replies to whoever acted, and :meth:`TelegramMessenger.send` for the outbox.
Everything sent draws on the process's one :class:`~core.pacing.Pacer` (the outbox's
too), in the scopes :mod:`adapters.telegram.pacing_rules` declares, so a reply and a
delivery to the same chat share its budget. Telegram's errors become the core's delivery
errors. Requests go over aiohttp (:mod:`adapters.telegram.request`): PTB's default httpx
request costs more CPU per message than everything else mentorhub does for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import json
import logging
import re
import warnings
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import BotCommand, InputFile, LinkPreviewOptions, ReplyParameters, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    ContextTypes,
    TypeHandler,
)
from telegram.warnings import PTBDeprecationWarning

from adapters.telegram import pacing_rules
from adapters.telegram.render import (
    Rendered,
    non_text_hint,
    private_chat_invite,
    render,
    render_plain,
)
from adapters.telegram.request import AiohttpRequest
from adapters.telegram.settings import TELEGRAM
from adapters.telegram.translate import NonText, Translated, Where, translate
from core.correlation import event_correlated
from core.delivery import (
    DeliveryError,
    FailsForGood,
    FailureLatch,
    RateLimited,
    SpaceRefused,
    TransientFailure,
    Unreachable,
)
from core.hub import Hub
from core.i18n import ENGLISH, LANGUAGES, _, said, supported
from core.i18n import translate as in_language
from core.identity import PlatformAccount
from core.inbound import Command, Press, ReachabilityChange
from core.memory import KeyedLocks, RecentKeys
from core.messages import Attachment, Reply, fit_attachment
from core.pacing import Pacer, PlatformPacing, Scope
from core.syntax import NativeCommands, PrefixedSyntax

log = logging.getLogger(__name__)

SPACE_ADVICE = _("Add me to that group again, as a member who may send messages.")
AUTH_REFUSED = (
    "refused the bot token (401 Unauthorized: revoked or replaced in @BotFather). Put the "
    "new token in the variable named by [telegram] token_env and restart mentorhub"
)
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
# What a coordinator may say in a group; whatever they say, the answer goes to them privately
GROUP_VERBS = frozenset({"link", "announce"})
# What anyone registered may say in a group (with [programs] creators = "admins", a group's
# admins create programs there: Telegram tells us who they are only in the group).
OPEN_GROUP_VERBS = frozenset({"newprogram"})
# A group member's status that makes them one of its admins (getChatMember).
ADMIN_STATUSES = frozenset({"creator", "administrator"})
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
DOCUMENT_LIMIT = 50 * 1024 * 1024  # the Bot API's limit on a file a bot sends
MENU_DESCRIPTION_MAX = 256
# BadRequest texts meaning "this account can't be messaged", not "our request was wrong"
_GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Webhook mode. ``url`` is the public HTTPS address registered with ``setWebhook``
    (a reverse proxy forwards it to ``host:port/path``); ``secret`` is the
    ``secret_token`` Telegram sends back in every request (1-256 of ``A-Za-z0-9_-``)."""

    url: str
    secret: str
    host: str = "127.0.0.1"
    port: int = 8443
    path: str = "telegram"

    def __post_init__(self) -> None:
        if not _SECRET_TOKEN.fullmatch(self.secret):  # Telegram would refuse it at setWebhook
            raise ValueError(
                "The Telegram webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -."
            )

    def __repr__(self) -> str:  # the secret stays out of logs and tracebacks
        return f"WebhookSettings(url={self.url!r}, host={self.host!r}, port={self.port})"


class InOrderPerChat(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates at once, but one at a time per person.

    A slow or rate-limited chat then holds up only itself, and a person's messages are
    still answered in the order they were sent (a dialog depends on that).
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: KeyedLocks[int] = KeyedLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        async with self._locks.hold(key):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _chat_key(update: object) -> int | None:
    """Whose turn it is: the person acting (in a private chat the chat id is theirs too)."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None


def retry_after_seconds(error: RetryAfter) -> float:
    """PTB 22 gives an int or a timedelta depending on PTB_TIMEDELTA; accept both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# Loggers that may print a Bot API URL, which contains the token (httpx logs every request
# at INFO; PTB logs the URL it was given at DEBUG).
_URL_LOGGERS = (
    "httpx",
    "telegram.Bot",
    "telegram.ext.ExtBot",
    "telegram.BaseRequest",
    "telegram.HTTPXRequest",
    "telegram.ext",
    "telegram.ext.Application",
    "telegram.ext.Updater",
)


class _RedactToken(logging.Filter):
    """Replaces the token with ``<token>`` in records of :data:`_URL_LOGGERS`."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem to report, not ours
            return True
        if self._token in message:
            record.msg = message.replace(self._token, "<token>")
            record.args = None
        return True


class TelegramMessenger(FailsForGood):
    """Mentoring in private chats with the bot. Implements ``core.delivery.Messenger``.

    Fallbacks worth knowing: Telegram has no ephemeral messages, so anything personal goes
    to the private chat, and in a group we only invite people there (a coordinator may
    ``link`` a program to the group and ``announce`` there: the group gets the core's
    space posts, their replies still go to the private chat); Telegram tells us no time
    zone, so ``UserRef.locale`` (the app language) lets the core suggest some.
    """

    platform = TELEGRAM

    def __init__(
        self,
        hub: Hub,
        *,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        webhook: WebhookSettings | None = None,
        pacer: Pacer | None = None,
        pacing: PlatformPacing | None = None,
        poll_timeout: float = 30.0,
        max_concurrent_updates: int = 64,
        reply_wait_limit: float = 30.0,
    ) -> None:
        self.hub = hub
        self._webhook = webhook
        self._pacer = pacer or Pacer()  # the process's one pacer, shared with the outbox
        self._pacing = pacing or pacing_rules.pacing()
        self._poll_timeout = poll_timeout
        self._reply_wait_limit = reply_wait_limit
        self._recent_updates: RecentKeys[int] = RecentKeys(capacity=2048)
        # people whose private chat we know works: checked once each, until a send fails
        self._log_filter = _RedactToken(token)
        for name in _URL_LOGGERS:  # before build(): PTB logs the URL while building
            logging.getLogger(name).addFilter(self._log_filter)
        self._native = NativeCommands(hub.registry, PrefixedSyntax("/"))
        self._commands = frozenset(
            verb
            for spec in hub.registry.all(include_hidden=True)
            for verb in (spec.name, *spec.aliases)
        )
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(base_url)
            .concurrent_updates(InOrderPerChat(max_concurrent_updates))
            .request(AiohttpRequest())  # sending; long polling keeps PTB's own request
            .job_queue(None)  # scheduling is mentorhub's, not PTB's
        )
        if webhook is not None:
            builder = builder.updater(None)
        self.application: AnyApplication = builder.build()
        self.application.add_handler(TypeHandler(Update, self._drop_repeats), group=-1)
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self._web: web.AppRunner | None = None
        self._running = False
        self._receiving = False  # asked to poll (this worker holds the polling lease)
        self._latch = FailureLatch("Telegram")

    def __repr__(self) -> str:
        return f"TelegramMessenger(mode={'webhook' if self._webhook else 'polling'})"

    @property
    def ready(self) -> bool:
        """Able to send; and polling when asked to receive, or serving the webhook."""
        if not self._running or self._latch.reason is not None:
            return False
        if self._webhook is not None:
            return self._web is not None
        return self.polling or not self._receiving

    def _watch_polling(self) -> None:
        """PTB ends its polling loop for good on a refused token (InvalidToken) and says so
        only in a log line: watch the loop's task to know. (A private attribute of PTB's
        Updater; tests/bots/test_operations.py revokes the token to keep this honest.)"""
        task = getattr(self.application.updater, "_Updater__polling_task", None)
        if isinstance(task, asyncio.Task):
            task.add_done_callback(self._polling_ended)

    def _polling_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and isinstance(task.exception(), InvalidToken):
            self._fail(AUTH_REFUSED)

    @property
    def bot_username(self) -> str:
        """From getMe, known once started."""
        return str(self.application.bot.username)

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the token (getMe), publish the command menu, then start receiving."""
        await self.start_sending()
        try:
            await self.start_receiving()
        except BaseException:
            await self.stop()
            raise

    async def start_sending(self) -> None:
        """Ready to send (getMe passed, the command menu published), not yet polling; a
        webhook is served from here on, since any number of workers may serve it."""
        try:
            await self._start()
        except BaseException:
            await self._shutdown()
            raise
        self._running = True

    def receiver_name(self) -> str | None:
        """Long polling admits one poller per bot (Telegram answers the second with 409
        Conflict), so with several workers one holds it; a webhook needs no holder."""
        return f"telegram-polling:{self.application.bot.id}" if self._webhook is None else None

    async def start_receiving(self) -> None:
        if self._webhook is not None or self.polling:
            return
        self._receiving = True
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            timeout=timedelta(seconds=self._poll_timeout),
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )
        self._watch_polling()
        log.info("telegram: @%s is polling for updates", self.bot_username)

    async def stop_receiving(self) -> None:
        self._receiving = False
        if self.polling:
            await self._stop_polling()
            log.info("telegram: stopped polling (another worker may take over)")

    async def _stop_polling(self) -> None:
        assert self.application.updater is not None
        # a loop that ended on a refused token re-raises it here; _polling_ended said so
        with contextlib.suppress(InvalidToken):
            await self.application.updater.stop()

    @property
    def polling(self) -> bool:
        updater = self.application.updater
        return updater is not None and updater.running

    async def _start(self) -> None:
        try:
            await self.application.initialize()
        except InvalidToken as error:
            raise RuntimeError(
                "Telegram rejected the bot token; check the variable named by "
                "[telegram] token_env (get a token from @BotFather)."
            ) from error
        await self._publish_commands()
        await self.application.start()
        if self._webhook is not None:
            await self._start_webhook(self._webhook)

    async def stop(self) -> None:
        """Stop receiving, finish updates in progress, close connections. Idempotent.

        The webhook stays registered with Telegram: another worker may be serving it, and
        otherwise Telegram keeps the updates until we are back.
        """
        if not self._running:
            return
        self._running = False
        await self._shutdown()

    async def _shutdown(self) -> None:
        app = self.application
        try:
            if app.updater is not None and app.updater.running:
                await self._stop_polling()
            if self._web is not None:
                runner, self._web = self._web, None
                await runner.cleanup()
            if app.running:
                await app.stop()
            await app.shutdown()
        finally:
            for name in _URL_LOGGERS:
                logging.getLogger(name).removeFilter(self._log_filter)

    async def _publish_commands(self) -> None:
        """The command menu, from the registry: hidden commands and aliases stay out. Once
        per language: a user whose app is set to one of ours sees the descriptions in it
        (the commands are typed the same everywhere); English for everyone else."""
        specs = self.hub.registry.all()
        for language in LANGUAGES:
            commands = [BotCommand(spec.name, _menu_text(spec.summary, language)) for spec in specs]
            code = None if language == ENGLISH else language.split("-")[0]  # ISO 639-1
            try:
                await self.application.bot.set_my_commands(commands, language_code=code)
            except TelegramError as error:  # a menu is a nicety; never a reason not to start
                log.warning("telegram: could not set the %s command menu: %s", language, error)

    # --- webhook ---------------------------------------------------------------------------

    async def _start_webhook(self, settings: WebhookSettings) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/" + settings.path.strip("/"), self._on_webhook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._web = runner
        await web.TCPSite(runner, settings.host, settings.port).start()
        await self.application.bot.set_webhook(
            settings.url,
            secret_token=settings.secret,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )
        log.info(
            "telegram: @%s receives updates at %s:%s/%s",
            self.bot_username,
            settings.host,
            settings.port,
            settings.path.strip("/"),
        )

    async def _on_webhook(self, request: web.Request) -> web.Response:
        assert self._webhook is not None
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._webhook.secret.encode()):
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):  # not an Update
            return web.Response(status=400)
        await self.application.update_queue.put(update)
        return web.Response(status=200)

    # --- inbound ---------------------------------------------------------------------------

    async def _drop_repeats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self._recent_updates.first_time(update.update_id):
            log.info("telegram: update %s arrived again; ignored", update.update_id)
            raise ApplicationHandlerStop

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        with event_correlated():  # every log line this update causes carries one id
            inbound = translate(update, bot_username=self.bot_username, commands=self._commands)
            if inbound is not None:
                await self.handle(inbound)

    async def handle(self, received: Translated) -> None:
        """Carry out one translated update."""
        if isinstance(received, NonText):
            hint = non_text_hint(supported(received.ref.locale))
            await self._tell(received.chat_id, hint, "the hint that only text is read")
            return
        inbound, where = received.inbound, received.where
        if isinstance(inbound, ReachabilityChange):
            ref = inbound.ref
            self.hub.forget_reachable(ref.platform, ref.workspace, ref.user_id)
        elif where is not None and where.in_private and not inbound.ref.space:
            await self.hub.note_reachable(inbound.ref)
        if isinstance(inbound, Press) and where is not None:
            await self._on_press(inbound, where)
        elif isinstance(inbound, Command) and inbound.ref.space and where is not None:
            await self._on_group_command(inbound, where)
        else:
            outcome = await self.hub.handle(inbound)
            if where is not None:
                await self._reply(where.chat_id, outcome.replies)

    async def _on_group_command(self, command: Command, where: Where) -> None:
        """A coordinator's ``link``/``announce`` is carried out, with the replies sent to
        their private chat: the group sees only what the core posts there. Anything else,
        or anyone else, or a coordinator we can't reach privately, gets the invitation."""
        if command.verb in OPEN_GROUP_VERBS or (
            command.verb in GROUP_VERBS and await self.hub.coordinates_any(command.ref)
        ):
            outcome = await self.hub.handle(await self._with_platform_facts(command, where))
            if await self._reply(int(command.ref.user_id), outcome.replies):
                return
        program = await self.hub.program_living_in(f"{TELEGRAM}:{where.chat_id}")
        invite = private_chat_invite(self.bot_username, program, supported(command.ref.locale))
        await self._tell(
            where.chat_id, invite, "the invitation to a private chat", reply_to=where.message_id
        )

    async def _with_platform_facts(self, command: Command, where: Where) -> Command:
        """For a command that decides on it (CommandSpec's ``platform_facts``), whether
        Telegram says the sender is an admin of the group (``getChatMember``): they manage
        it, and administer it. Asked only then: it costs a call."""
        spec = self.hub.registry.get(command.verb)
        if spec is None or not spec.platform_facts:
            return command
        try:
            member = await self.application.bot.get_chat_member(
                where.chat_id, int(command.ref.user_id)
            )
        except TelegramError as error:
            log.info("telegram: getChatMember in %s failed: %s", where.chat_id, error)
            return command
        admin = member.status in ADMIN_STATUSES
        ref = dataclasses.replace(command.ref, can_manage_here=admin, is_admin=admin)
        return dataclasses.replace(command, ref=ref)

    async def _on_press(self, press: Press, where: Where) -> None:
        """Answer the callback query first (the button stops spinning at once), then act.

        The pressed keyboard is removed afterwards in a private chat: the replies say what
        happened and carry new buttons if there is more to choose, so an old keyboard could
        only produce stale presses. Buttons on group messages are everyone's and stay.
        """
        try:
            await self.application.bot.answer_callback_query(where.query_id)
        except TelegramError as error:  # e.g. "query is too old": act on the press anyway
            log.debug("telegram: answering callback query failed: %s", error)
        outcome = await self.hub.handle(press)
        if where.in_private and where.message_id is not None:
            try:
                await self.application.bot.edit_message_reply_markup(
                    chat_id=where.message_chat_id, message_id=where.message_id
                )
            except TelegramError as error:  # already gone or not modified
                log.debug("telegram: removing a keyboard failed: %s", error)
        await self._reply(where.chat_id, outcome.replies)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: handling an update failed", exc_info=context.error)

    # --- outbound --------------------------------------------------------------------------

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        """A direct message to ``account`` (its private chat id is its user id).

        Raises ``RateLimited`` (scope ``telegram:<chat id>``, the pacer's) on 429,
        ``Unreachable`` when the user blocked the bot or never started it,
        ``TransientFailure`` otherwise.
        A reply longer than one message that fails midway is sent again whole on retry.
        """
        self._latch.check()  # the message waits in the outbox for the restart
        try:
            chat_id = int(account.user_id)
        except ValueError:
            raise Unreachable(f"not a Telegram user id: {account.user_id[:32]!r}") from None
        try:
            await self._deliver(chat_id, reply, paced=True)
        except Unreachable:
            self.hub.forget_reachable(account.platform, account.workspace, account.user_id)
            raise

    async def post_to_space(self, space: str, reply: Reply) -> None:
        """An announcement in the group a program is linked to (``telegram:<chat id>``).
        Only the core's space posts come here, never anything personal. Raises like
        ``send``; a short 429 is waited out once."""
        platform, __, chat = space.partition(":")
        if platform != self.platform.value or not chat.lstrip("-").isdigit():
            raise Unreachable(f"not a Telegram group: {space[:64]!r}")
        try:
            await self._deliver_now(int(chat), reply)
        except Unreachable as refused:
            raise SpaceRefused(str(refused), advice=SPACE_ADVICE) from refused

    async def _reply(self, chat_id: int, replies: list[Reply]) -> bool:
        """Replies to the person who acted; False if one could not be sent. A short 429 is
        waited out once; other failures are logged (the person acted just now, so they can
        simply try again)."""
        for reply in replies:
            try:
                await self._deliver_now(chat_id, reply)
            except DeliveryError as error:
                log.warning("telegram: a reply to chat %s was not sent: %s", chat_id, error)
                return False
        return True

    async def _tell(
        self, chat_id: int, message: Rendered, what: str, *, reply_to: int | None = None
    ) -> None:
        """A courtesy of the adapter's own (a hint, an invitation): nothing depends on it,
        so a refusal (the chat is gone, the bot was blocked) is logged in one line."""
        try:
            await self._send_rendered(chat_id, [message], reply_to=reply_to, fallback=None)
        except DeliveryError as error:
            log.warning("telegram: %s was not sent to chat %s: %s", what, chat_id, error)

    async def _deliver_now(self, chat_id: int, reply: Reply) -> None:
        """For someone waiting: a short 429 is waited out once."""
        try:
            await self._deliver(chat_id, reply)
        except RateLimited as limited:
            if limited.retry_after > self._reply_wait_limit:
                raise
            await self._deliver(chat_id, reply)  # the pacer waits out the hold

    async def _deliver(self, chat_id: int, reply: Reply, *, paced: bool = False) -> None:
        """``paced``: the caller (the outbox) already took the first message's tokens.
        An attachment follows the text as a document (``sendDocument``)."""
        reply = fit_attachment(reply, limit=DOCUMENT_LIMIT, where="Telegram")
        await self._send_rendered(
            chat_id, render(reply, commands=self._native), fallback=reply, paced=paced
        )
        if reply.attachment is not None:
            await self._send_document(chat_id, reply.attachment)

    async def _send_document(self, chat_id: int, file: Attachment) -> None:
        await self._take_turn(chat_id)
        try:
            await self.application.bot.send_document(
                chat_id, InputFile(file.data, filename=file.filename)
            )
        except TelegramError as error:
            raise self._delivery_error(chat_id, error) from error

    async def _send_rendered(
        self,
        chat_id: int,
        messages: list[Rendered],
        *,
        fallback: Reply | None,
        reply_to: int | None = None,
        paced: bool = False,
    ) -> None:
        for index, message in enumerate(messages):
            try:
                await self._send_one(
                    chat_id, message, reply_to=reply_to, paced=paced and index == 0
                )
            except BadRequest as error:
                if fallback is not None and "can't parse entities" in error.message.lower():
                    # our markup was wrong somewhere: say it plainly rather than not at all
                    log.error("telegram: HTML rejected (%s); sending plain text", error)
                    await self._send_rendered(chat_id, render_plain(fallback), fallback=None)
                    return
                raise self._delivery_error(chat_id, error) from error
            except TelegramError as error:
                raise self._delivery_error(chat_id, error) from error

    async def _send_one(
        self, chat_id: int, message: Rendered, *, reply_to: int | None = None, paced: bool = False
    ) -> None:
        await self._take_turn(chat_id, paced=paced)
        await self.application.bot.send_message(
            chat_id,
            message.text,
            parse_mode=message.parse_mode,
            reply_markup=message.keyboard,
            link_preview_options=_NO_PREVIEW,
            reply_parameters=(
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to is not None
                else None
            ),
        )

    async def _take_turn(self, chat_id: int, *, paced: bool = False) -> None:
        """Wait for this chat's pacing turn, or raise RateLimited. A ``paced`` message had
        its tokens taken by the outbox; it only waits out a 429."""
        scopes = self._scopes(chat_id)
        if paced:
            ready = await self._pacer.wait_out_pauses(scopes, give_up_after=self._reply_wait_limit)
        else:
            ready = await self._pacer.acquire(scopes, give_up_after=self._reply_wait_limit)
        if not ready:
            raise RateLimited(self._pacer.wait_time(scopes), scope=scopes[-1].name)

    def _scopes(self, chat_id: int) -> list[Scope]:
        return self._pacing.scopes_for("", str(chat_id))

    def _delivery_error(self, chat_id: int, error: TelegramError) -> DeliveryError:
        """Telegram's error as the core's delivery outcome. Telegram's 429 says how long,
        not which limit: it pauses only the chat it came from, for replies and the outbox
        alike."""
        if isinstance(error, InvalidToken):
            return self._fail(AUTH_REFUSED)
        if isinstance(error, RetryAfter):
            seconds = retry_after_seconds(error)
            chat = self._scopes(chat_id)[-1]
            self._pacer.pause(chat, seconds)
            return RateLimited(seconds, scope=chat.name)
        return _delivery_outcome(error)


def _delivery_outcome(error: TelegramError) -> DeliveryError:
    if isinstance(error, Forbidden):
        return Unreachable(error.message)
    if isinstance(error, BadRequest) and any(text in error.message.lower() for text in _GONE):
        return Unreachable(error.message)
    return TransientFailure(f"{type(error).__name__}: {error.message}")


def _menu_text(summary: str, language: str) -> str:
    """A command's description in the menu: 1 to 256 characters (Bot API ``BotCommand``)."""
    text = in_language(said(summary), language).strip() or summary
    return text if len(text) <= MENU_DESCRIPTION_MAX else text[: MENU_DESCRIPTION_MAX - 1] + "…"
