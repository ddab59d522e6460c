"""The dashboard's HTTP server (aiohttp), run by `mentorhub run` when [web] is enabled.

A driving adapter: it turns requests into calls on core.dashboard and answers with the
pages of adapters/web/pages.py. Reading needs a session cookie; every POST also needs the
session's synchronizer token (``csrf``) in its form. A sign-in link is used by a POST from
the page it opens, never by the GET itself: a chat's link preview opening it uses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlsplit

from aiohttp import web

from adapters.web import pages, words
from adapters.web.serving import serve
from core.dashboard.records import SESSION_VALID
from core.dashboard.service import Dashboard, SignedIn, Viewer
from core.dashboard.views import PairQuery, pair_page
from core.i18n import _

log = logging.getLogger(__name__)

COOKIE = "mentorhub_session"
STYLESHEET = resources.files("adapters.web").joinpath("static/dashboard.css").read_bytes()
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # a sign-in path never leaves in a Referer; same-origin, so forms still say their Origin
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
DRAFT_ACTIONS = ("compute", "swap", "lock", "unlock", "drop", "publish")


class WebPortUnavailable(Exception):
    """The dashboard's port can't be opened (taken, or not an address of this machine)."""


@dataclass(frozen=True, slots=True)
class WebSettings:
    host: str
    port: int
    secure: bool  # served over HTTPS (by the proxy): the cookie is sent only over HTTPS
    public_url: str = ""  # where people open it: a form posted from there is ours


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class DashboardServer:
    def __init__(self, dashboard: Dashboard, settings: WebSettings) -> None:
        self.dashboard = dashboard
        self.settings = settings
        self._runner: web.AppRunner | None = None
        self.port = 0  # the bound port, once started
        self._flash: dict[int, list[tuple[str, bool]]] = {}  # by session: shown once
        self._watching: asyncio.Task[None] | None = None

    def web_app(self) -> web.Application:
        app = web.Application(middlewares=[self._headers], client_max_size=64 * 1024)
        r = app.router
        r.add_get("/", self.home)
        r.add_get("/static/dashboard.css", self.stylesheet)
        r.add_get("/signin/{token}", self.signin_form)
        r.add_post("/signin/{token}", self.signin)
        r.add_post("/signout", self.signout)
        r.add_get("/p/{slug}/", self.overview)
        r.add_get("/p/{slug}", self.to_overview)
        r.add_get("/p/{slug}/pairs", self.pairs)
        r.add_get("/p/{slug}/draft", self.draft)
        r.add_post("/p/{slug}/draft", self.change_draft)
        r.add_get("/p/{slug}/settings", self.settings_page)
        r.add_post("/p/{slug}/settings", self.change_setting)
        r.add_get("/p/{slug}/export.csv", self.export)
        return app

    async def start(self) -> None:
        try:
            self._runner, self.port = await serve(
                self.web_app(), self.settings.host, self.settings.port
            )
        except OSError as error:
            raise WebPortUnavailable(
                f"the dashboard's port {self.settings.host}:{self.settings.port} can't be "
                f"opened ({error.strerror or error}); change [web] host/port, or set "
                "enabled = false"
            ) from error
        self._watching = asyncio.create_task(self.dashboard.watch_links(), name="dashboard links")
        log.info("dashboard: serving on %s:%d", self.settings.host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        watching, self._watching = self._watching, None
        if watching is not None:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
        if runner is not None:
            await runner.cleanup()
        await self.dashboard.close()

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # Before sign-in, the browser's language; once the viewer is known, theirs.
        try:
            with words.reading(words.accepted(request.headers.get("Accept-Language"))):
                if request.method == "POST" and not self._same_origin(request):
                    log.warning("dashboard: a form posted from another site was refused")
                    raise web.HTTPForbidden(
                        text=pages.message_page(
                            _("Form refused"), _("This form was sent from another site.")
                        ),
                        content_type="text/html",
                    )
                response = await handler(request)
        except web.HTTPException as error:
            _protect(request, error)
            raise
        _protect(request, response)
        return response

    def _same_origin(self, request: web.Request) -> bool:
        """A browser says where a form comes from: refuse any other site's (a sign-in
        forced on someone; the session's token guards every other form as well)."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser, or one that doesn't say: the token decides
        own = {f"{request.scheme}://{request.host}"}
        if self.settings.public_url:
            public = urlsplit(self.settings.public_url)
            own.add(f"{public.scheme}://{public.netloc}")
        return origin in own

    # --- pages without a session ------------------------------------------------------------

    async def home(self, request: web.Request) -> web.StreamResponse:
        viewer = await self._signed_in(request)
        if viewer is not None:
            raise web.HTTPSeeOther(f"/p/{viewer.program.slug}/")
        return _html(pages.home_page())

    async def stylesheet(self, request: web.Request) -> web.Response:
        return web.Response(
            body=STYLESHEET,
            content_type="text/css",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    async def signin_form(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        found = await self.dashboard.check_link(token)
        if found.refused:
            return _refused_link(found.refused)
        return _html(pages.signin_page(request.path, found.program_name))

    async def signin(self, request: web.Request) -> web.StreamResponse:
        result = await self.dashboard.sign_in(request.match_info["token"])
        if not isinstance(result, SignedIn):
            return _refused_link(result.refused)
        response = _see_other(f"/p/{result.slug}/")
        response.set_cookie(
            COOKIE,
            result.session_token,
            max_age=int(SESSION_VALID.total_seconds()),
            path="/",
            httponly=True,
            secure=self.settings.secure,
            samesite="Lax",
        )
        return response

    async def signout(self, request: web.Request) -> web.StreamResponse:
        viewer = await self._signed_in(request)
        form = await request.post()
        if viewer is not None:
            self._check_csrf(viewer, form.get("csrf"))
            await self.dashboard.sign_out(viewer)
            self._flash.pop(viewer.session_id, None)
        response = _see_other("/")
        response.del_cookie(COOKIE, path="/")
        return response

    # --- a program's pages ------------------------------------------------------------------

    async def to_overview(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(f"/p/{request.match_info['slug']}/")

    async def overview(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request)
        snapshot = await self.dashboard.snapshot(viewer)
        return _html(pages.overview_page(viewer, snapshot, self._flashes(viewer)))

    async def pairs(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request)
        query = PairQuery.parse(dict(request.query))
        snapshot = await self.dashboard.snapshot(viewer)
        return _html(pages.pairs_page(viewer, pair_page(snapshot, query), self._flashes(viewer)))

    async def draft(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request)
        draft = await self.dashboard.draft(viewer)
        return _html(pages.draft_page(viewer, draft, self._flashes(viewer)))

    async def change_draft(self, request: web.Request) -> web.StreamResponse:
        viewer = await self._viewer(request)
        form = await request.post()
        self._check_csrf(viewer, form.get("csrf"))
        what = str(form.get("do", ""))
        if what not in DRAFT_ACTIONS:
            raise web.HTTPBadRequest(text=words.shown(_("Unknown draft action.")))
        slug = viewer.program.slug
        who = [_handle(form.get("mentee")), _handle(form.get("other"))]
        if what == "swap" and who[0] == who[1]:
            self._keep(viewer, [(_("Choose two different people to swap."), True)])
            raise web.HTTPSeeOther(f"/p/{slug}/draft")
        if what == "swap":
            args = f"{slug} swap {who[0]} {who[1]}"
        elif what in ("lock", "unlock", "drop"):
            args = f"{slug} {what} {who[0]}"
        elif what == "publish":
            args = f"{slug} publish"
        else:
            args = slug
        result = await self.dashboard.run(viewer, f"draft {what}", "match", args)
        self._keep(viewer, [(r.text, r.is_error) for r in result.replies])
        raise web.HTTPSeeOther(f"/p/{slug}/draft")

    async def settings_page(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request)
        recent = await self.dashboard.recent_actions(viewer)
        return _html(
            pages.settings_page(
                viewer, self.dashboard.settings(viewer), recent, self._flashes(viewer)
            )
        )

    async def change_setting(self, request: web.Request) -> web.StreamResponse:
        viewer = await self._viewer(request)
        form = await request.post()
        self._check_csrf(viewer, form.get("csrf"))
        field = str(form.get("field", "")).strip()
        value = str(form.get("value", "")).strip()
        if not field.isidentifier() or not value:
            self._keep(viewer, [(_("Say which setting, and its new value."), True)])
        else:
            args = f"{viewer.program.slug} {field} {value}"
            result = await self.dashboard.run(viewer, f"configure {field}", "configure", args)
            first = result.replies[:1]  # "Updated …" or what is wrong; the page shows the rest
            self._keep(viewer, [(r.text, r.is_error) for r in first])
        raise web.HTTPSeeOther(f"/p/{viewer.program.slug}/settings")

    async def export(self, request: web.Request) -> web.StreamResponse:
        viewer = await self._viewer(request)
        result = await self.dashboard.run(viewer, "export", "export", viewer.program.slug)
        file = result.attachment
        if file is None:
            self._keep(viewer, [(r.text, r.is_error) for r in result.replies])
            raise web.HTTPSeeOther(f"/p/{viewer.program.slug}/settings")
        return web.Response(
            text=file.content,
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
        )

    # --- sessions -----------------------------------------------------------------------------

    async def _signed_in(self, request: web.Request) -> Viewer | None:
        viewer = await self.dashboard.viewer(request.cookies.get(COOKIE, ""))
        if viewer is not None:
            words.read_by(viewer.language, viewer.zone)
        return viewer

    async def _viewer(self, request: web.Request) -> Viewer:
        """The signed-in coordinator of the program in the path. Without a session: the
        sign-in explanation (401); another program's path: 404, as if it didn't exist."""
        viewer = await self._signed_in(request)
        if viewer is None:
            raise web.HTTPUnauthorized(
                text=pages.message_page(
                    _("Please sign in"),
                    _(
                        "Your session has ended or you haven't signed in. Send `dashboard "
                        "<program>` to the mentorhub bot in a private chat for a sign-in link."
                    ),
                ),
                content_type="text/html",
            )
        if request.match_info.get("slug") != viewer.program.slug:
            raise web.HTTPNotFound(
                text=pages.message_page(
                    _("Not found"),
                    _(
                        "There's no such page for you. Each sign-in opens one program: ask for "
                        "a link with `dashboard <program>` to open another."
                    ),
                ),
                content_type="text/html",
            )
        return viewer

    def _check_csrf(self, viewer: Viewer, given: object) -> None:
        if not self.dashboard.csrf_ok(viewer, given if isinstance(given, str) else ""):
            log.warning(
                "dashboard: a form without a valid token was refused (person %d)", viewer.person_id
            )
            raise web.HTTPForbidden(
                text=pages.message_page(
                    _("Form refused"),
                    _(
                        "This form didn't come from your dashboard page (or it is from an "
                        "older session). Go back, reload the page and try again."
                    ),
                ),
                content_type="text/html",
            )

    def _keep(self, viewer: Viewer, flash: list[tuple[str, bool]]) -> None:
        self._flash[viewer.session_id] = flash

    def _flashes(self, viewer: Viewer) -> list[tuple[str, bool]]:
        return self._flash.pop(viewer.session_id, [])


def _handle(value: object) -> str:
    """A handle from a form, as the chat command takes it; the command says if it's wrong."""
    text = str(value or "").strip().lstrip("@")
    return "@" + "".join(ch for ch in text if ch.isalnum() or ch in "_-.")[:32] if text else '""'


def _protect(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)
    if request.path != "/static/dashboard.css":
        response.headers["Cache-Control"] = "no-store"


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, content_type="text/html", charset="utf-8", status=status)


def _refused_link(reason: str) -> web.Response:
    body = pages.message_page(
        _("This link doesn't work"),
        reason
        + "\n"
        + _("Send `dashboard <program>` to the mentorhub bot in a private chat for a new one."),
    )
    return _html(body, status=403)
