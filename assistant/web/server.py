"""Serve the web UI: FastAPI with ``/health``, a guard on Gradio's file route, and Gradio mounted at ``/``.

Safe defaults (see the README): loopback only unless a login is configured, no run history in the
browser, no monitoring page, no footer links to the API page, no share link, analytics off, uploads and
downloads in a temporary folder under the data dir that is emptied on a timer, and no URL fetching by
the file route.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from assistant.config import Settings, WebSettings, apply_offline_environment
from assistant.web.auth import Authenticator, check_bind, load_users
from assistant.web.files import prune
from assistant.web.limits import RateLimiter, RequestLimit, gradio_user
from assistant.web.scrub import LoginPageScrub

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Gradio's routes that take a path or URL after ``=`` or ``/``: the file route (also its older
#: ``/gradio_api/file/<target>`` form) and the Spaces proxy.
_TARGET_ROUTE = re.compile(r"/(?:file|proxy)[=/](?P<target>.*)", re.IGNORECASE | re.DOTALL)
_PROXY = re.compile(r"/proxy[=/]", re.IGNORECASE)
_SCHEME = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:|//|\\\\)", re.IGNORECASE)


def fetches_url(path: str) -> bool:
    """Whether a request path asks Gradio to fetch a URL (``/gradio_api/file=https://…``) or proxy one.

    The path is decoded twice, so ``http%253A//`` is caught as well.
    """
    decoded = unquote(unquote(path))
    match = _TARGET_ROUTE.search(decoded)
    if match is None:
        return False
    return bool(_PROXY.search(decoded)) or bool(_SCHEME.match(match["target"]))


class FileRouteGuard:
    """ASGI middleware: answers 403 to any request that would make the server fetch a URL.

    Args:
        app: The application behind it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, unless it asks for a URL fetch."""
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope.get("path", "").encode()
            path = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
            if fetches_url(path) or fetches_url(str(scope.get("path", ""))):
                body = b'{"detail": "fetching URLs through the file route is turned off"}'
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def prepare_environment(settings: Settings) -> Path:
    """Point Gradio's temporary folder into the data dir and turn telemetry off, before Gradio loads.

    Returns:
        The temporary folder (``DATA_DIR/web-tmp``).
    """
    if settings.offline:
        apply_offline_environment()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    temp = (settings.data_dir / "web-tmp").resolve()
    prune(temp, settings.web.temp_file_minutes * 60)  # what an earlier run left behind
    temp.mkdir(parents=True, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(temp)
    return temp


def build_ui(settings: Settings) -> Any:
    """Build the services and the UI around them (a :class:`assistant.web.ui.WebUI`)."""
    temp = prepare_environment(settings)
    from assistant.app import build_coach, build_feedback, build_notebook
    from assistant.web.ui import WebUI

    return WebUI(
        build_coach(settings), build_notebook(settings), build_feedback(settings), settings.web, temp
    )


def create_app(
    ui: Any, web: WebSettings, *, host: str, port: int, users: dict[str, str] | None = None
) -> Any:
    """The FastAPI app: ``/health``, the file-route guard, request limits, and the Gradio UI at ``/``.

    Args:
        ui: The :class:`~assistant.web.ui.WebUI`.
        web: The web settings.
        host: The address served (printed, and given to Gradio).
        port: The port served.
        users: Login users (name → hash); None or empty for no login.
    """
    import gradio as gr
    from fastapi import FastAPI

    from assistant import __version__
    from assistant.web.strings import Texts
    from assistant.web.ui import CSS

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        shown = f"[{host}]" if ":" in host else host
        print(f"Salgscoach kjører på http://{shown}:{port}/  (Ctrl+C avslutter)", flush=True)
        yield

    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    # Declared before the UI is mounted at "/", so it is matched first; it reads one small file and
    # never touches the models.
    @api.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "index": ui.chat.coach.index.current_name()}

    limiter = RateLimiter(web.requests_per_minute, web.request_burst)
    if limiter.enabled:
        texts = Texts(web.language)
        api.add_middleware(
            RequestLimit,
            limiter=limiter,
            message=lambda seconds: texts("limit_busy", seconds=seconds),
            user_of=gradio_user(api),
        )
    if users:
        api.add_middleware(LoginPageScrub, user_of=gradio_user(api))
    api.add_middleware(FileRouteGuard)
    gr.mount_gradio_app(
        api,
        ui.build(),
        path="/",
        server_name=host,
        server_port=port,
        footer_links=[],
        run_history=False,
        enable_monitoring=False,
        max_file_size=int(web.max_upload_mb * 1024 * 1024),
        auth=Authenticator(users).check if users else None,
        auth_message="Salgscoach",
        show_error=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        css=CSS,
        app_kwargs={"docs_url": None, "redoc_url": None, "openapi_url": None},
    )
    return api


def serve(settings: Settings, host: str, port: int) -> None:
    """Check the address, build everything and serve until interrupted.

    Raises:
        ConfigError: Non-loopback address without a login, or a bad users file.
    """
    users = load_users(settings.web.auth.get_secret_value())
    check_bind(host, users)
    ui = build_ui(settings)
    ui.conversations.purge_old()
    import uvicorn

    app = create_app(ui, settings.web, host=host, port=port, users=users)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=2
    )
    uvicorn.Server(config).run()
    sys.stdout.flush()
