"""Per-client request limits for the web app: a token bucket per session, user or address.

Answering costs real CPU (retrieval, and an LLM when one is configured). Without a limit, one script
posting to Gradio's queue fills it and every other session waits behind it. Each client gets a bucket of
``request_burst`` requests that refills at ``requests_per_minute``; a request that finds its bucket
empty is answered ``429`` with ``Retry-After`` before it reaches the queue.

The key is the Gradio session hash where the request carries one (each browser tab and each
``gradio_client.Client`` makes its own), else the logged-in user, else the client's address. The session
hash is chosen by the client, so this shares the server fairly between clients that play along; a client
that invents a new hash for every request is not held back (a reverse proxy's limit per address is the
defence against that).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from starlette.requests import HTTPConnection

from assistant.errors import ConfigError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Clock = Callable[[], float]

#: POSTs that start work: the queue (every UI event and gradio_client call), the direct API routes,
#: and the login (a password check costs ~0.1 s of CPU, and guesses must not be free).
LOGIN_ROUTE = re.compile(r"^/login/?$", re.IGNORECASE)
LIMITED_ROUTE = re.compile(
    rf"/gradio_api/(?:queue/join|call/|run/|api/)|{LOGIN_ROUTE.pattern}", re.IGNORECASE
)
#: Bodies up to this size are read for the session hash (a queue/join body is a few hundred bytes).
MAX_PEEK_BYTES = 64 * 1024
#: Longest session hash kept as a key (Gradio's are 10–12 characters), so keys stay small.
MAX_KEY_CHARS = 100


class RateLimiter:
    """Token buckets by key: ``burst`` requests at once, refilled at ``per_minute``. Thread-safe.

    Memory is bounded: a bucket idle long enough to be full again is the same as no bucket and is
    dropped, and past ``max_keys`` the least recently used buckets go first.

    Args:
        per_minute: Requests per minute a key may make once its burst is spent; 0 turns the limit off.
        burst: Requests a key may make at once.
        clock: Seconds, monotonic (tests pass their own).
        max_keys: Most keys remembered.

    Raises:
        ConfigError: A negative rate, or a burst or max_keys below 1.
    """

    def __init__(
        self, per_minute: float, burst: int, *, clock: Clock = time.monotonic, max_keys: int = 10_000
    ) -> None:
        if per_minute < 0 or burst < 1 or max_keys < 1:
            raise ConfigError("per_minute must be >= 0, burst and max_keys >= 1")
        self.per_second = per_minute / 60.0
        self.burst = burst
        self.max_keys = max_keys
        self._clock = clock
        # key -> (tokens left, when counted); least recently used first.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether requests are limited at all."""
        return self.per_second > 0

    def __len__(self) -> int:
        """Keys remembered now."""
        with self._lock:
            return len(self._buckets)

    def acquire(self, key: str) -> float:
        """Take one request from a key's bucket.

        Returns:
            0.0 when the request may go ahead; otherwise the seconds until the bucket holds one again
            (a refused request takes nothing from the bucket).
        """
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            self._expire(now)
            tokens, counted = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - counted) * self.per_second)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.per_second
            if wait == 0.0:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait

    def _expire(self, now: float) -> None:
        # Buckets are in order of last use, so the idle ones are at the front; any bucket idle this long
        # has refilled completely whatever it held.
        full_after = self.burst / self.per_second
        while self._buckets:
            _, counted = next(iter(self._buckets.values()))
            if now - counted < full_after:
                return
            self._buckets.popitem(last=False)


def client_key(session_hash: str | None, user: str | None, address: str | None) -> str:
    """The bucket a request counts against: its session, else its user, else its address."""
    if session_hash:
        return "session:" + session_hash[:MAX_KEY_CHARS]
    if user:
        return "user:" + user
    return "address:" + (address or "unknown")


def session_hash_of(body: bytes) -> str | None:
    """The ``session_hash`` field of a JSON request body, if it has a non-empty string one."""
    try:
        data = json.loads(body)
    except ValueError:  # not JSON (or not UTF-8): Gradio will refuse it; count it by user or address
        return None
    value = data.get("session_hash") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


class RequestLimit:
    """ASGI middleware: counts each POST that starts work against its client's bucket; 429 when empty.

    Args:
        app: The application behind it.
        limiter: The buckets.
        message: The refusal's text, given the seconds to wait (in the app's language).
        user_of: The logged-in user named by a request's cookies, or None.
    """

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        message: Callable[[int], str],
        user_of: Callable[[Mapping[str, str]], str | None] | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.message = message
        self.user_of = user_of or (lambda _cookies: None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, unless its client has used up its requests."""
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or not self.limiter.enabled
            or not LIMITED_ROUTE.search(str(scope.get("path", "")))
        ):
            await self.app(scope, receive, send)
            return
        body, receive = await _peek(receive, MAX_PEEK_BYTES)
        connection = HTTPConnection(scope)
        address = connection.client.host if connection.client else None
        if LOGIN_ROUTE.search(str(scope.get("path", ""))):
            # Logins by address, in a bucket of their own: guessing costs the guesser, and a
            # colleague's typos at the same address do not use up anyone's questions.
            key = f"login:{address or 'unknown'}"
        else:
            key = client_key(session_hash_of(body), self.user_of(connection.cookies), address)
        wait = self.limiter.acquire(key)
        if wait > 0:
            await _refuse(send, math.ceil(wait), self.message)
            return
        await self.app(scope, receive, send)


async def _peek(receive: Receive, limit: int) -> tuple[bytes, Receive]:
    """Read a request's body if it is at most ``limit`` bytes (else b"").

    Returns:
        The body, and a receive that hands the app every message read, then the rest.
    """
    seen: deque[Message] = deque()
    size, more = 0, True
    while more and size <= limit:
        message = await receive()
        seen.append(message)
        if message["type"] != "http.request":
            break  # the client went away; the app hears it from the replay
        size += len(message.get("body", b""))
        more = bool(message.get("more_body", False))
    whole = not more and size <= limit
    body = b"".join(m.get("body", b"") for m in seen if m["type"] == "http.request") if whole else b""

    async def replay() -> Message:
        return seen.popleft() if seen else await receive()

    return body, replay


async def _refuse(send: Send, seconds: int, message: Callable[[int], str]) -> None:
    seconds = max(1, seconds)
    body = json.dumps({"detail": message(seconds)}, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(seconds).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def gradio_user(app: Any) -> Callable[[Mapping[str, str]], str | None]:
    """The logged-in user of a request, found the way Gradio's own ``get_current_user`` finds it.

    Gradio keeps login tokens on its app (``tokens``: token -> user) behind a cookie named after its
    ``cookie_id``. The app is looked up among ``app``'s mounts at request time, since it is mounted after
    the middleware is added. Should a Gradio release rename these, no user is found and requests count
    by address: stricter, never looser.

    Args:
        app: The FastAPI app that Gradio is mounted in.
    """

    def user_of(cookies: Mapping[str, str]) -> str | None:
        for route in getattr(app, "routes", []):
            mounted = getattr(route, "app", None)
            tokens, cookie_id = getattr(mounted, "tokens", None), getattr(mounted, "cookie_id", None)
            if isinstance(tokens, dict) and isinstance(cookie_id, str):
                token = cookies.get(f"access-token-{cookie_id}") or cookies.get(
                    f"access-token-unsecure-{cookie_id}"
                )
                user = tokens.get(token) if token else None
                return user if isinstance(user, str) else None
        return None

    return user_of
