"""The Slack messenger: a slack-bolt ``AsyncApp`` inside mentorhub's event loop.

Transport: HTTP (bolt's aiohttp app served on ``host:port``, every request's signature
checked by bolt) or Socket Mode (an app-level token, no public URL). Both register the same
listeners, so a payload is handled the same way whichever way it arrived.

Every command, button press and event is acknowledged at once; the work runs after the ack
in a task of its own, so the listener returns and bolt answers Slack within a millisecond or
two. Nothing a listener does can raise into bolt: in bolt 1.30 a listener that raises just
after ``ack()`` can turn the ack into a 404 for Slack.

Form-capable dialogs (the agreement, a check-in) get a "Fill in as a form" button; it opens
a modal (``views.open`` with the click's ``trigger_id``, valid for 3 s, so right after the
ack). A submitted modal is the one request answered with content: the core checks every
field in one short transaction before the ack, so field errors go back in the ack itself
(``response_action: errors``) and a valid form closes; its outcome then goes to the DM.

Where replies go (the actor's replies; notices to others go through the outbox → ``send``):

- In our DM with the person, replies are ordinary messages there (``chat.postMessage``).
- Elsewhere (a slash command in a channel, a button on an ephemeral message) replies are
  ephemeral, through the interaction's ``response_url``: only the person sees them, and we
  need no membership in that channel.
- A reply that waits for typed text (a dialog step) always goes to the DM, the one place
  where we read free text (``message.im``); an ephemeral note points there.
- Fallback: if the DM can't be posted to, the reply goes to the ``response_url``, and
  the other way round.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from aiohttp import web
from aiohttp.typedefs import Handler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import forms, pacing_rules, render, translate
from adapters.slack.directory import Directory
from adapters.slack.outbound import (
    NETWORK_ERRORS,
    MissingScope,
    Poster,
    error_code,
    keyed_metadata,
    respond,
)
from adapters.slack.render import SlackMessage
from adapters.slack.settings import SLACK
from adapters.slack.translate import Origin, Received
from core.correlation import event_correlated
from core.delivery import DeliveryError, RateLimited, SpaceRefused, Unreachable
from core.hub import APOLOGY, Hub
from core.i18n import _, supported
from core.i18n import translate as written_in
from core.identity import PlatformAccount, UserRef
from core.inbound import (
    AccountGone,
    Command,
    FormSubmit,
    Message,
    Press,
    WorkspaceRemoved,
)
from core.memory import KeyedLocks, LruCache, RecentKeys
from core.messages import Attachment, Outcome, Reply
from core.pacing import Pacer, PlatformPacing
from core.registry import MANAGES_HERE
from core.syntax import NativeCommands, PrefixedSyntax

log = logging.getLogger(__name__)

COMMAND = "/mentor"
SPACE_ADVICE = _("Invite me back: in that channel, type {command} and my name.", command="/invite")
INTERACTIVE_MAX_WAIT = 3.0  # a person is waiting: sleep for a pacing turn up to this long
REPLY_WAIT_LIMIT = 30.0  # a reply that got a 429 is sent again once, if Slack allows by then
# Looking for a message in a DM's history after a crash starts this long before the attempt:
# our clock and Slack's (which stamps the message) may differ a little.
CLOCK_MARGIN = timedelta(minutes=5)
OUTBOX_MAX_WAIT = 1.0  # the outbox can come back later: a longer 429 pause raises RateLimited
SLOW_ANSWER = 1.0  # log HTTP answers slower than this (Slack's limit is 3 s)
STOP_GRACE = 5.0  # how long stop() lets running handlers finish
DM_POINTER = _("I've sent you a direct message to continue there.")
# Translators: noted under a question that was answered with a form instead of buttons.
FORM_FILLED = _("Filled in as a form")
FORM_ACK_BUDGET = 2.0  # Slack waits 3 s for the answer to a submitted modal
FORM_NOT_SAVED = _(
    "Your form took me too long to check, and some answers need changing (nothing was saved):"
)
FORM_NOT_OPENED = _(
    "I couldn't open the form in time. Tap “{button}” again, or answer here step by step.",
    button=render.FORM_BUTTON_LABEL,
)
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]+")  # a public or private channel
PAIR_SPACE_SCOPE = "mpim:write"  # conversations.open with several users
_TYPED_ANYWHERE = f"{COMMAND} <command>"
HELP_FOOTER = _(
    "In Slack: {typed} anywhere, or just the command as a direct message to me.",
    typed=_TYPED_ANYWHERE,
)

Mode = Literal["http", "socket"]


@dataclass(frozen=True, slots=True)
class SlackSettings:
    mode: Mode = "http"
    host: str = "127.0.0.1"
    port: int = 3000
    path: str = "/slack/events"
    base_url: str = "https://slack.com/api/"
    workspace_messages_per_minute: int = 500
    pair_space: bool = False  # intros and shared reminders in a group DM of the pair and us
    # Who may link a channel to a program: its "members", or only the workspace "admins"
    # (and owners) among them.
    link_by: Literal["members", "admins"] = "members"


class SlackStartError(Exception):
    """Slack refused to let us start (bad token, no connection); the message says what to fix."""


class SlackMessenger:
    """``core.delivery.Messenger`` for Slack (one workspace, one bot token)."""

    platform = SLACK
    form_ack_budget = FORM_ACK_BUDGET

    def __init__(
        self,
        hub: Hub,
        *,
        settings: SlackSettings,
        bot_token: str,
        signing_secret: str = "",
        app_token: str = "",
        pacer: Pacer | None = None,
        pacing: PlatformPacing | None = None,
    ) -> None:
        if settings.mode == "http" and not signing_secret:
            raise ValueError("HTTP mode needs the signing secret")
        if settings.mode == "socket" and not app_token:
            raise ValueError("Socket Mode needs an app-level token (xapp-…)")
        self.hub = hub
        self._native = NativeCommands(hub.registry, PrefixedSyntax(f"{COMMAND} "))
        self.settings = settings
        self._bot_token = bot_token
        self._signing_secret = signing_secret
        self._app_token = app_token
        self._client = AsyncWebClient(token=bot_token, base_url=settings.base_url)
        self._pacer = pacer or Pacer()  # the process's one pacer, shared with the outbox
        self._pacing = pacing or pacing_rules.pacing(
            workspace_per_minute=settings.workspace_messages_per_minute
        )
        self._poster = Poster(self._client, self._pacer, self._pacing)
        self.directory = Directory(self._client, self._poster)
        self._seen: RecentKeys[str] = RecentKeys(capacity=20_000)
        self._locks: KeyedLocks[tuple[str, str]] = KeyedLocks()
        self._inflight: set[asyncio.Task[Any]] = set()
        self._gone_teams: set[str] = set()
        self._pair_space = settings.pair_space
        # The click that opened a form, to resolve its prompt once the form is sent. Slack
        # accepts answers through its response_url for 30 minutes.
        self._form_clicks: LruCache[tuple[str, str, str], Received] = LruCache(
            10_000, ttl=25 * 60.0
        )
        self._authorization: AuthorizeResult | None = None
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self.app: AsyncApp | None = None
        self._failed = asyncio.Event()  # nothing fails it for good yet: a restart is a retry
        self.team_id = ""
        self.bot_user_id = ""
        self.url = ""  # HTTP mode: where Slack must send requests (after start)
        # HTTP mode: called with each answer's server-side time in seconds (benchmarks).
        self.on_answered: Callable[[float], None] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def _message(self, replies: Sequence[Reply], *, footer: str | None = None) -> SlackMessage:
        """Replies as one Slack message, command references as Slack users type them."""
        return render.render_outcome([self._native.reply(r) for r in replies], footer=footer)

    @property
    def ready(self) -> bool:
        """Authenticated, and receiving: its HTTP endpoint served, or its Socket Mode
        connection open (the SDK reconnects by itself; between sessions it is not)."""
        if self.app is None:
            return False
        if self._runner is not None:
            return True
        if self._socket is None:
            return False
        client = self._socket.client
        session = getattr(client, "current_session", None)
        return not client.closed and session is not None and not session.closed

    @property
    def failure(self) -> str | None:
        return None

    async def failed(self) -> str:
        await self._failed.wait()
        return "Slack failed"

    async def start(self) -> None:
        await self._authenticate()
        self.app = self._build_app()
        if self.settings.mode == "http":
            await self._serve_http(self.app)
        else:
            await self._connect_socket(self.app)

    async def stop(self) -> None:
        """Stop receiving, then give running handlers a few seconds to finish."""
        socket, self._socket = self._socket, None
        runner, self._runner = self._runner, None
        if socket is not None:
            close: Callable[[], Awaitable[None]] = socket.close_async
            await close()
        if runner is not None:
            await runner.cleanup()
        await self.idle(STOP_GRACE)
        for task in list(self._inflight):
            task.cancel()

    async def idle(self, timeout: float = 5.0) -> bool:  # noqa: ASYNC109
        """Wait until no inbound handling runs; False if some still does after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._inflight:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await asyncio.wait(set(self._inflight), timeout=remaining)
        return True

    async def _authenticate(self) -> None:
        try:
            response = await self._client.auth_test()
        except SlackApiError as exc:
            error = exc.response.get("error") if hasattr(exc.response, "get") else exc
            raise SlackStartError(
                f"Slack refused the bot token ({error}). Check the xoxb- token in the "
                "environment variable named by slack.bot_token_env, and that the app is installed."
            ) from None
        except NETWORK_ERRORS as exc:
            raise SlackStartError(
                f"Could not reach Slack at {self.settings.base_url}: {type(exc).__name__}"
            ) from None
        self.team_id = str(response.get("team_id") or "")
        self.bot_user_id = str(response.get("user_id") or "")
        granted = _granted_scopes(response.headers)
        if granted is not None:
            self.directory.read_profiles = "users:read" in granted
            if self._pair_space and PAIR_SPACE_SCOPE not in granted:
                self._no_pair_space(f"the app lacks the {PAIR_SPACE_SCOPE} scope")
        self._authorization = AuthorizeResult.from_auth_test_response(
            auth_test_response=response, bot_token=self._bot_token, bot_scopes=granted
        )

    async def _serve_http(self, app: AsyncApp) -> None:
        web_app = app.web_app(path=self.settings.path, port=self.settings.port)
        web_app.middlewares.append(self._timed)
        runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.host, self.settings.port)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}{self.settings.path}"
        log.info("Slack: listening for HTTP requests on %s", self.url)

    @web.middleware
    async def _timed(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """How long Slack waited for our answer (from the request's arrival at our handler to
        the response): slow answers are logged, since Slack gives up after 3 s."""
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            elapsed = time.perf_counter() - started
            if elapsed > SLOW_ANSWER:
                log.warning("Slack: answered a request after %.2f s (Slack waits 3 s)", elapsed)
            if self.on_answered is not None:
                self.on_answered(elapsed)

    async def _connect_socket(self, app: AsyncApp) -> None:
        handler = AsyncSocketModeHandler(app, app_token=self._app_token)
        connect: Callable[[], Awaitable[None]] = handler.connect_async
        await connect()
        self._socket = handler
        log.info("Slack: connected in Socket Mode")

    # --- bolt wiring ----------------------------------------------------------------------

    def _build_app(self) -> AsyncApp:
        http = self.settings.mode == "http"
        authorization = self._authorization
        assert authorization is not None, "start() authenticates before serving"

        async def authorize(team_id: str | None) -> AuthorizeResult:
            # bolt passes arguments by name, so this is a plain function, not a method.
            return authorization

        app = AsyncApp(
            name="mentorhub",
            # Token-less on purpose: `authorize` hands bolt the token checked in start(),
            # so bolt needs no auth.test of its own before the first ack.
            client=AsyncWebClient(base_url=self.settings.base_url),
            signing_secret=self._signing_secret if http else "",
            request_verification_enabled=http,  # Socket Mode frames are not signed
            authorize=authorize,
            # Bolt answers Slack when the listener returns. Our listeners ack and hand the
            # work to a task of their own, so they return at once. (With bolt's default,
            # False, bolt polls for the ack every 10 ms: a floor of ~10 ms on every ack.)
            process_before_response=True,
        )

        async def on_command(ack: Any, body: dict[str, Any]) -> None:
            await self._ack_then(ack, lambda: self._handle(translate.from_slash_command(body)))

        async def on_action(ack: Any, body: dict[str, Any]) -> None:
            await self._ack_then(ack, lambda: self._handle(translate.from_block_actions(body)))

        async def on_form_button(ack: Any, body: dict[str, Any]) -> None:
            await self._ack_then(ack, lambda: self._open_form(translate.from_block_actions(body)))

        async def on_form_pick(ack: Any, body: dict[str, Any]) -> None:
            await self._ack_then(ack, lambda: self._form_picked(body))

        async def on_form_submitted(ack: Any, body: dict[str, Any]) -> None:
            await self._form_submitted(ack, body)

        async def on_message(ack: Any, body: dict[str, Any]) -> None:
            await self._ack_then(ack, lambda: self._handle(translate.from_message_event(body)))

        async def on_removed(ack: Any, body: dict[str, Any]) -> None:
            await self._ack_then(ack, lambda: self._app_removed(body))

        async def on_user_change(ack: Any, body: dict[str, Any]) -> None:
            await self._ack_then(ack, lambda: self._user_changed(body))

        app.command(COMMAND)(on_command)
        app.action(re.compile(render.ACTION_ID_PATTERN))(on_action)
        app.action(render.FORM_ACTION_ID)(on_form_button)
        app.view_submission(forms.CALLBACK_ID)(on_form_submitted)
        app.action(forms.INPUT_ACTION_ID)(on_form_pick)
        app.event("message")(on_message)
        app.event("app_uninstalled")(on_removed)
        app.event("tokens_revoked")(on_removed)
        app.event("user_change")(on_user_change)
        return app

    async def _ack_then(
        self, ack: Callable[..., Awaitable[Any]], work: Callable[[], Awaitable[None]]
    ) -> None:
        """Ack, then start ``work`` in a task of its own: the listener returns at once, so
        bolt answers Slack at once. Never lets an exception reach bolt."""
        try:
            await ack()
        except Exception:
            log.exception("Slack: acknowledging a request failed")
        self._spawn(work)

    def _spawn(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` after the ack, tracked for idle() and stop(), exceptions logged."""

        async def guarded() -> None:
            with event_correlated():  # every log line this request causes carries one id
                try:
                    await work()
                except Exception:
                    log.exception("Slack: handling a request failed")

        task = asyncio.create_task(guarded())
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    # --- inbound --------------------------------------------------------------------------

    async def _handle(self, call: Received | None) -> None:
        if call is None:
            return
        origin = call.origin
        if call.dedupe_key and not self._seen.first_time(call.dedupe_key):
            log.info("Slack: ignoring a repeated delivery (%s)", call.dedupe_key)
            return
        self._back_in(origin.team)
        async with self._locks.hold((origin.team, origin.user_id)):
            ref = call.inbound.ref
            try:
                ref = await self._user_ref(call)
                outcome = await self.hub.handle(dataclasses.replace(call.inbound, ref=ref))
                await self._reply(call, outcome)
            except Exception:
                log.exception("Slack: answering %s:%s failed", origin.team, origin.user_id)
                if origin.response_url:
                    sorry = render.text_message(APOLOGY, supported(ref.locale))
                    await respond(origin.response_url, sorry)
                return
        await self.hub.note_reachable(ref)

    async def _user_ref(self, call: Received) -> UserRef:
        """The payload's ref with the person's profile (name, locale, time zone) added, and
        for a command that decides on it, what Slack says they may do where they are."""
        origin = call.origin
        profile = await self.directory.profile(origin.team, origin.user_id)
        ref = call.inbound.ref
        if profile is not None:
            ref = dataclasses.replace(
                ref,
                display_name=profile.display_name or origin.user_name,
                locale=profile.locale,
                tz_hint=profile.tz,
            )
        facts = self._facts_asked(call)
        if not facts:
            return ref
        admin = profile is not None and profile.is_admin
        manages = (
            MANAGES_HERE in facts
            and bool(ref.space and ref.channel)
            and (admin or self.settings.link_by == "members")
            and await self.directory.is_member(ref.channel, origin.user_id)
        )
        return dataclasses.replace(ref, is_admin=admin, can_manage_here=manages)

    def _facts_asked(self, call: Received) -> frozenset[str]:
        """What the command needs Slack's word on (CommandSpec's ``platform_facts``): a
        channel's members cost a call, made only for a command that asks."""
        inbound = call.inbound
        spec = self.hub.registry.get(inbound.verb) if isinstance(inbound, Command) else None
        return spec.platform_facts if spec is not None else frozenset()

    async def _reply(self, call: Received, outcome: Outcome) -> None:
        origin = call.origin
        if call.clicked is not None and not any(r.is_error for r in outcome.replies):
            # After an error the prompt stays open (same step), and so do its buttons.
            await self._resolve_prompt(call)
        if not outcome.replies:
            return
        message = self._message(outcome.replies, footer=_footer(call))
        in_dm = isinstance(call.inbound, Message) or await self._in_dm(origin)
        wants_text = any(reply.expects_text for reply in outcome.replies)
        # Files can't go through a response_url: a reply with one goes to the DM.
        if in_dm or wants_text or message.files or not origin.response_url:
            posted = await self._post_to_dm(origin, message, in_dm=in_dm)
            if not posted and origin.response_url:
                await respond(origin.response_url, message)
            elif posted and not in_dm and origin.response_url:
                pointer = render.text_message(DM_POINTER, _language(outcome.replies))
                await respond(origin.response_url, pointer)
            return
        if not await respond(origin.response_url, message):
            await self._post_to_dm(origin, message, in_dm=False)

    async def _in_dm(self, origin: Origin) -> bool:
        """Did this happen in our DM with the person, on a lasting (non-ephemeral) message?"""
        if origin.ephemeral or not origin.channel.startswith("D"):
            return False  # C… and G… are channels and group DMs; skip the lookup
        try:
            return origin.channel == await self.directory.dm_channel(origin.team, origin.user_id)
        except DeliveryError:
            return False

    async def _post_to_dm(self, origin: Origin, message: SlackMessage, *, in_dm: bool) -> bool:
        try:
            channel = (
                origin.channel
                if in_dm
                else await self.directory.dm_channel(origin.team, origin.user_id)
            )
            await self._post_with_files(
                origin.team,
                channel,
                message,
                max_wait=INTERACTIVE_MAX_WAIT,
                conversation=origin.user_id,  # their DM, paced as the outbox paces it
                patient=True,
            )
        except DeliveryError as exc:
            log.warning("Slack: could not DM %s:%s: %s", origin.team, origin.user_id, exc)
            return False
        return True

    async def _post_with_files(
        self,
        team: str,
        channel: str,
        message: SlackMessage,
        *,
        max_wait: float,
        conversation: str | None = None,
        paced: bool = False,
        patient: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Post ``message`` (with ``metadata``, if any), then share its files in the same
        conversation.

        ``patient``: someone is waiting for this (a reply, not the outbox, which comes back
        later by itself): a 429 is tried once more when Slack allows, if that is within
        ``REPLY_WAIT_LIMIT`` s. The pacer holds the conversation for the Retry-After, so
        the second try waits its turn there, and nothing else is sent to it meanwhile.
        """

        async def post(wait: float) -> None:
            await self._poster.post(
                team,
                channel,
                message,
                max_wait=wait,
                conversation=conversation,
                paced=paced,
                metadata=metadata,
            )

        await self._once_more_if(patient, post, max_wait)
        for file in message.files:

            async def upload(wait: float, file: Attachment = file) -> None:
                await self._poster.upload(
                    team, channel, file, max_wait=wait, conversation=conversation
                )

            await self._once_more_if(patient, upload, max_wait)

    @staticmethod
    async def _once_more_if(
        patient: bool, send: Callable[[float], Awaitable[None]], max_wait: float
    ) -> None:
        try:
            await send(max_wait)
        except RateLimited as limited:
            if not patient or limited.retry_after > REPLY_WAIT_LIMIT:
                raise
            log.info("Slack: a reply waits %.1f s for Slack's rate limit", limited.retry_after)
            await send(limited.retry_after + max_wait)

    async def _resolve_prompt(self, call: Received, label: str | None = None) -> None:
        """Take the buttons off an answered dialog prompt and note the choice (``label``,
        else the pressed button's) under it."""
        url, clicked = call.origin.response_url, call.clicked
        if not url or call.origin.ephemeral or clicked is None or clicked.message_blocks is None:
            return
        blocks = render.resolve_dialog_buttons(clicked.message_blocks, label or clicked.label)
        if blocks is not None:
            resolved = SlackMessage(text=clicked.message_text or " ", blocks=tuple(blocks))
            await respond(url, resolved, replace_original=True)

    # --- forms (modals) ---------------------------------------------------------------------

    async def _open_form(self, call: Received | None) -> None:
        """ "Fill in as a form": the rest of the open dialog as a modal, opened right away
        (the click's trigger_id expires 3 s after the click; the core call takes ms)."""
        if call is None or not isinstance(call.inbound, Press) or call.clicked is None:
            return
        origin, dialog_id = call.origin, call.inbound.action_id
        if call.dedupe_key and not self._seen.first_time(call.dedupe_key):
            return
        self._back_in(origin.team)
        async with self._locks.hold((origin.team, origin.user_id)):
            ref = call.inbound.ref
            try:
                ref = await self._user_ref(call)
                form = await self.hub.form(ref, dialog_id)
                if isinstance(form, Outcome):  # the dialog moved on, or was cancelled
                    await self._reply(call, form)
                    return
                title, fields = form
                view = forms.modal(title, fields, dialog_id, supported(ref.locale))
                opened = await self._views_open(call.clicked.trigger_id, view)
            except Exception:
                log.exception("Slack: opening a form for %s:%s failed", origin.team, origin.user_id)
                opened = False
            if opened:
                self._form_clicks.put((origin.team, origin.user_id, dialog_id), call)
                return
            note = render.text_message(FORM_NOT_OPENED, supported(ref.locale))
            if not (origin.response_url and await respond(origin.response_url, note)):
                await self._post_to_dm(origin, note, in_dm=False)

    async def _form_picked(self, body: Mapping[str, Any]) -> None:
        """A pick in one of our modals' selects: "Other…" adds a text box under it, another
        option takes it away (``views.update``, guarded by the view's hash so a pick made
        meanwhile is not overwritten)."""
        view = body.get("view")
        actions = body.get("actions")
        if not isinstance(view, dict) or view.get("callback_id") != forms.CALLBACK_ID:
            return
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            return
        action = actions[0]
        picked = action.get("selected_option")
        value = picked.get("value") if isinstance(picked, dict) else None
        updated = forms.after_pick(view, str(action.get("block_id", "")), str(value or ""))
        if updated is None:
            return
        try:
            await self._client.views_update(
                view_id=str(view.get("id", "")), hash=str(view.get("hash", "")), view=updated
            )
        except SlackApiError as exc:  # hash_conflict: another pick came first
            log.info("Slack: views.update refused: %s", error_code(exc.response))
        except NETWORK_ERRORS as exc:
            log.warning("Slack: views.update failed: %s", type(exc).__name__)

    async def _views_open(self, trigger_id: str, view: dict[str, Any]) -> bool:
        if not trigger_id:
            return False
        try:
            await self._client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:  # expired_trigger_id, invalid blocks, …
            log.warning("Slack: views.open refused: %s", error_code(exc.response))
            return False
        except NETWORK_ERRORS as exc:
            log.warning("Slack: views.open failed: %s", type(exc).__name__)
            return False
        return True

    async def _form_submitted(
        self, ack: Callable[..., Awaitable[Any]], body: Mapping[str, Any]
    ) -> None:
        """A submitted modal. The one ack that waits for the core: one short transaction
        checks every field, so the ack can carry field errors (the modal stays open) or
        close the modal; the outcome is then posted to the DM, after the ack.

        Fallback: should the core take longer than ``form_ack_budget``, the modal is closed
        in time anyway and the result (saved, or what to fix) follows in the DM.
        """
        try:
            submission = forms.read_submission(body)
            if submission is None:
                await ack()
                return
            ref = self._cached_user_ref(submission)
            check = asyncio.ensure_future(
                self.hub.handle(FormSubmit(ref, submission.dialog_id, submission.values))
            )
            try:
                result = await asyncio.wait_for(asyncio.shield(check), self.form_ack_budget)
            except TimeoutError:
                await ack()
                log.warning("Slack: a form took over %.1f s to check", self.form_ack_budget)
                self._spawn(lambda: self._after_slow_form(submission, ref, check, body))
                return
            if result.field_errors:
                errors = forms.field_errors(result.field_errors, submission)
                await ack(response_action="errors", errors=errors)
                return
            await ack()
        except Exception:
            log.exception("Slack: handling a submitted form failed")
            with contextlib.suppress(Exception):
                await ack()
            return
        self._spawn(lambda: self._after_form(submission, ref, result))

    async def _after_slow_form(
        self,
        submission: forms.Submission,
        ref: UserRef,
        check: asyncio.Future[Outcome],
        body: Mapping[str, Any],
    ) -> None:
        result = await check
        if not result.field_errors:
            await self._after_form(submission, ref, result)
            return
        labels = forms.labels(body)
        problems = "\n".join(
            f"• {labels.get(key, key)}: {message}" for key, message in result.field_errors.items()
        )
        reply = Reply(
            f"{FORM_NOT_SAVED}\n{problems}", is_error=True, language=supported(ref.locale)
        )
        await self._after_form(submission, ref, Outcome(replies=[reply]))

    def _cached_user_ref(self, submission: forms.Submission) -> UserRef:
        """Who submitted, from what we already know: nothing may delay this ack."""
        profile = self.directory.cached_profile(submission.team, submission.user_id)
        return UserRef(
            SLACK,
            submission.team,
            submission.user_id,
            display_name=(profile.display_name if profile else "") or submission.user_name,
            locale=profile.locale if profile else None,
            tz_hint=profile.tz if profile else None,
        )

    async def _after_form(
        self, submission: forms.Submission, ref: UserRef, outcome: Outcome
    ) -> None:
        """Resolve the prompt whose button opened the form, then post the outcome to the DM."""
        key = (submission.team, submission.user_id, submission.dialog_id)
        click = self._form_clicks.pop(key)
        origin = Origin(submission.team, submission.user_id, user_name=submission.user_name)
        async with self._locks.hold((origin.team, origin.user_id)):
            if click is not None and not any(r.is_error for r in outcome.replies):
                language = _language(outcome.replies) or supported(ref.locale)
                await self._resolve_prompt(click, label=written_in(FORM_FILLED, language))
            if outcome.replies:
                message = self._message(outcome.replies)
                posted = await self._post_to_dm(origin, message, in_dm=False)
                if not posted and click is not None and click.origin.response_url:
                    await respond(click.origin.response_url, message)
        await self.hub.note_reachable(ref)

    # --- the app removed from a workspace -----------------------------------------------------

    async def _user_changed(self, body: Mapping[str, Any]) -> None:
        """A deactivated member's account is gone; other changes are read when they next
        write to us."""
        found = translate.deactivated_user(body)
        if found is not None:
            team, user_id = found
            await self.hub.handle(AccountGone(UserRef(SLACK, team, user_id)))

    async def _app_removed(self, body: Mapping[str, Any]) -> None:
        team = translate.revoked_team(body)
        if team is None:
            return
        first = team not in self._gone_teams
        self._gone_teams.add(team)
        self.directory.forget_team(team)
        self.hub.forget_reachable(SLACK, team)
        await self.hub.handle(WorkspaceRemoved(SLACK, team))
        if first:
            # Purging their data follows the privacy rules (a later issue); until then it
            # stays, and nothing is sent there.
            log.warning(
                "Slack: the app was removed from workspace %s; stopped sending there "
                "(its accounts are marked unreachable)",
                team,
            )

    def _back_in(self, team: str) -> None:
        if team in self._gone_teams:
            self._gone_teams.discard(team)
            log.info("Slack: workspace %s talks to us again (reinstalled)", team)

    # --- outbound (the outbox) ------------------------------------------------------------

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        """Deliver a notice as a DM from the app; its file, if any, is shared after it
        (``files:write``).

        Raises Unreachable (person gone, DMs impossible, app removed from the workspace),
        RateLimited (a 429 pause, scoped ``slack:<team>:<channel>``) or
        TransientFailure (network, 5xx, anything unexpected). The outbox took this
        message's pacing tokens already; only a 429's pause is waited out here.
        """
        await self._send_dm(account, reply)

    async def send_keyed(self, account: PlatformAccount, reply: Reply, *, key: str) -> None:
        """``send``, with the outbox key in the message's metadata (see ``confirm_sent``)."""
        await self._send_dm(account, reply, metadata=keyed_metadata(key))

    async def confirm_sent(
        self, account: PlatformAccount, key: str, reply: Reply, *, attempted_at: datetime
    ) -> bool | None:
        """After a worker died sending it: whether the DM's history since the attempt (less
        a margin for the two clocks) holds a message with ``key`` in its metadata."""
        team = self._installed_in(account)
        channel = await self.directory.dm_channel(team, account.user_id)
        oldest = (attempted_at - CLOCK_MARGIN).timestamp()
        return await self._poster.find_keyed(team, channel, key, oldest=oldest)

    async def _send_dm(
        self, account: PlatformAccount, reply: Reply, *, metadata: dict[str, Any] | None = None
    ) -> None:
        team = self._installed_in(account)
        channel = await self.directory.dm_channel(team, account.user_id)
        await self._post_with_files(
            team,
            channel,
            self._message([reply]),
            max_wait=OUTBOX_MAX_WAIT,
            conversation=account.user_id,
            paced=True,
            metadata=metadata,
        )

    def _installed_in(self, account: PlatformAccount) -> str:
        """The account's workspace; Unreachable when the app was removed from it."""
        if account.workspace in self._gone_teams:
            raise Unreachable(f"slack: the app was removed from workspace {account.workspace}")
        return account.workspace

    async def post_to_space(self, space: str, reply: Reply) -> None:
        """An announcement in the channel a program is linked to (``slack:<channel id>``);
        the app must be a member of it. Only the core's space posts come here."""
        platform, __, channel = space.partition(":")
        if platform != self.platform.value or not _CHANNEL_ID.fullmatch(channel):
            raise Unreachable(f"not a Slack channel id: {space[:64]!r}")
        message = self._message([reply])
        try:
            await self._post_with_files(
                self.team_id, channel, message, max_wait=INTERACTIVE_MAX_WAIT
            )
        except Unreachable as refused:
            raise SpaceRefused(str(refused), advice=SPACE_ADVICE) from refused

    def shares_pair_space(self, account: PlatformAccount, partner: PlatformAccount) -> bool:
        return (
            self._pair_space
            and account.platform is partner.platform is SLACK
            and account.workspace == partner.workspace
            and account.user_id != partner.user_id
        )

    async def send_to_pair_space(
        self, account: PlatformAccount, partner: PlatformAccount, reply: Reply
    ) -> None:
        """Post in the group DM of the two and the app (``conversations.open`` with both).

        Raises Unreachable when there is no such conversation for them (someone gone, no
        ``mpim:write``): the outbox then sends each their own copy. RateLimited and
        TransientFailure as for ``send``.
        """
        team = self._installed_in(account)
        try:
            channel = await self.directory.pair_channel(team, account.user_id, partner.user_id)
        except MissingScope as exc:
            self._no_pair_space("conversations.open answered missing_scope")
            raise Unreachable("slack: no pair space (missing_scope)") from exc
        await self._post_with_files(  # the outbox took the tokens (in the person's DM scopes)
            team, channel, self._message([reply]), max_wait=OUTBOX_MAX_WAIT, paced=True
        )

    def _no_pair_space(self, why: str) -> None:
        self._pair_space = False
        log.warning(
            "Slack: pair spaces are turned off (%s); add %s to the app's bot scopes and "
            "reinstall it to use them. People get intros and reminders as DMs meanwhile.",
            why,
            PAIR_SPACE_SCOPE,
        )


def _language(replies: Sequence[Reply]) -> str | None:
    """The language the hub wrote its replies in: the person's."""
    return next((reply.language for reply in replies if reply.language), None)


def _footer(call: Received) -> str | None:
    """Slack's own hint under the general help: how commands are typed here."""
    inbound = call.inbound
    if isinstance(inbound, Command) and inbound.verb == "help" and not inbound.text:
        return HELP_FOOTER
    if isinstance(inbound, Message) and inbound.text.strip().lower() in ("help", "/help"):
        return HELP_FOOTER
    return None


def _granted_scopes(headers: Any) -> list[str] | None:
    """The bot token's scopes from Slack's ``x-oauth-scopes`` header; None when not sent."""
    raw = None
    with contextlib.suppress(AttributeError, TypeError):
        raw = headers.get("x-oauth-scopes") or headers.get("X-OAuth-Scopes")
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if not isinstance(raw, str):
        return None
    return [scope.strip() for scope in raw.split(",") if scope.strip()]
