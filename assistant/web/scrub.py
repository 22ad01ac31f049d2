"""Keep the API's description out of the page shown before login.

Gradio 6 writes ``window.gradio_api_info`` (every endpoint with its parameter names) into the HTML of
every page it serves, the login page included, while its own ``/gradio_api/info`` answers 401 before
login. The login form needs none of it, so for a visitor who is not logged in the value becomes
``null``. Logged-in users get the page untouched.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from starlette.requests import HTTPConnection

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_API_INFO = re.compile(rb"(window\.gradio_api_info\s*=\s*).*?(;?\s*</script>)", re.DOTALL)


def scrub_api_info(html: bytes) -> bytes:
    """The page with ``window.gradio_api_info`` set to ``null``."""
    return _API_INFO.sub(rb"\1null\2", html)


def _cookies(scope: Scope) -> dict[str, str]:
    # Starlette's parser, as Gradio and the request limits read them (http.cookies gives up on a
    # whole header when one cookie holds JSON).
    return dict(HTTPConnection(scope).cookies)


class LoginPageScrub:
    """ASGI middleware: HTML answered to a visitor who is not logged in loses the API description.

    Args:
        app: The application behind it.
        user_of: The logged-in user for a request's cookies (None when not logged in).
    """

    def __init__(self, app: ASGIApp, user_of: Callable[[Mapping[str, str]], str | None]) -> None:
        self.app = app
        self._user_of = user_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; buffer and scrub an HTML answer when nobody is logged in."""
        if scope["type"] != "http" or scope.get("method") != "GET" or self._user_of(_cookies(scope)):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                if not kind.startswith(b"text/html"):
                    await send(message)  # not a page: pass everything on untouched
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = scrub_api_info(b"".join(chunks))
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
