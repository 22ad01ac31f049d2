"""Per-client request limits: the token buckets with a test clock, the middleware in a small Starlette
app, and end to end, a launched ``coach web`` where one flooding client is refused and another is not."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.web.limits import RateLimiter, RequestLimit, client_key, session_hash_of
from assistant.web.strings import Texts
from tests.web_server import WebServer, start_web

QUESTION = "Hvilke tre deler har god tilbakemelding?"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- the buckets ---------------------------------------------------------------------------------------


def test_a_burst_is_allowed_then_refused_with_the_wait() -> None:
    limiter = RateLimiter(60, 3, clock=FakeClock())  # one a second once the burst is spent
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(1.0)
    assert limiter.acquire("a") == pytest.approx(1.0)  # a refusal takes nothing, so the wait stays


def test_the_bucket_refills_with_time_up_to_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, 3, clock=clock)
    for _ in range(3):
        limiter.acquire("a")
    clock.now += 0.5
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") > 0
    clock.now += 3600  # an hour idle refills the burst, never more
    assert [limiter.acquire("a") for _ in range(4)][3] == pytest.approx(1.0)


def test_each_key_has_its_own_bucket() -> None:
    limiter = RateLimiter(6, 2, clock=FakeClock())
    assert limiter.acquire("flood") == 0.0 and limiter.acquire("flood") == 0.0
    assert limiter.acquire("flood") == pytest.approx(10.0)
    assert limiter.acquire("polite") == 0.0 and limiter.acquire("polite") == 0.0


def test_zero_per_minute_turns_the_limit_off() -> None:
    limiter = RateLimiter(0, 1, clock=FakeClock())
    assert not limiter.enabled
    assert all(limiter.acquire("a") == 0.0 for _ in range(1000)) and len(limiter) == 0


def test_memory_is_bounded_idle_keys_expire_and_the_oldest_go_first() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, 5, clock=clock, max_keys=100)
    for n in range(250):
        limiter.acquire(f"k{n}")
    assert len(limiter) == 100  # the 150 least recently used were dropped
    clock.now += 5.0  # full again after burst / rate = 5 s: nothing worth keeping
    limiter.acquire("new")
    assert len(limiter) == 1


def test_threads_never_get_more_than_the_burst() -> None:
    limiter = RateLimiter(1, 50, clock=FakeClock())  # the clock stands still: no refill
    allowed: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = sum(1 for _ in range(100) if limiter.acquire("shared") == 0.0)
        with lock:
            allowed.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 50


def test_bad_arguments_are_refused() -> None:
    for args in ((-1, 1), (60, 0)):
        with pytest.raises(ConfigError):
            RateLimiter(*args)


# -- keys, settings, texts -------------------------------------------------------------------------------


def test_the_key_is_the_session_else_the_user_else_the_address() -> None:
    assert client_key("abc", "anna", "10.0.0.1") == "session:abc"
    assert client_key(None, "anna", "10.0.0.1") == "user:anna"
    assert client_key("", None, "10.0.0.1") == "address:10.0.0.1"
    assert client_key(None, None, None) == "address:unknown"
    assert len(client_key("x" * 10_000, None, None)) < 120


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"session_hash": "abc", "fn_index": 0}', "abc"),
        (b'{"session_hash": ""}', None),
        (b'{"session_hash": 12}', None),
        (b'["session_hash"]', None),
        (b"not json", None),
        (b"\xff\xfe", None),
        (b"", None),
    ],
)
def test_the_session_hash_is_read_from_json_bodies_only(body: bytes, expected: str | None) -> None:
    assert session_hash_of(body) == expected


def test_the_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).web.requests_per_minute > 0  # on by default
    monkeypatch.setenv("COACH_WEB__REQUESTS_PER_MINUTE", "0")
    monkeypatch.setenv("COACH_WEB__REQUEST_BURST", "7")
    web = Settings(data_dir=tmp_path).web
    assert web.requests_per_minute == 0 and web.request_burst == 7


def test_the_refusal_is_written_in_both_languages() -> None:
    assert Texts("nb")("limit_busy", seconds=10) == "For mange forespørsler på kort tid. Prøv igjen om 10 s."
    assert "Try again in 3 s" in Texts("en")("limit_busy", seconds=3)


# -- the middleware in a small app ----------------------------------------------------------------------


def _echo_app(limiter: RateLimiter, user: str | None = None) -> TestClient:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"received": len(await request.body())})

    app = Starlette(
        routes=[
            Route("/gradio_api/queue/join", echo, methods=["POST"]),
            Route("/gradio_api/call/ask", echo, methods=["POST"]),
            Route("/gradio_api/upload", echo, methods=["POST"]),
            Route("/gradio_api/queue/data", echo, methods=["GET"]),
        ]
    )
    app.add_middleware(
        RequestLimit, limiter=limiter, message=lambda s: f"wait {s} s", user_of=lambda _cookies: user
    )
    return TestClient(app)


def test_the_middleware_refuses_with_429_and_retry_after_and_passes_bodies_on_whole() -> None:
    client = _echo_app(RateLimiter(6, 2, clock=FakeClock()))
    join = {"session_hash": "s1", "data": ["x" * 200_000]}  # larger than what is read for the key
    first = client.post("/gradio_api/queue/join", json={"session_hash": "s1", "data": ["q"]})
    assert first.status_code == 200 and first.json()["received"] > 0
    big = client.post("/gradio_api/queue/join", json=join)
    assert big.status_code == 200 and big.json()["received"] > 200_000  # counted by address, passed on whole
    assert client.post("/gradio_api/queue/join", json={"session_hash": "s1"}).status_code == 200
    refused = client.post("/gradio_api/queue/join", json={"session_hash": "s1"})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "10"
    assert refused.json() == {"detail": "wait 10 s"}
    assert client.post("/gradio_api/queue/join", json={"session_hash": "s2"}).status_code == 200
    # Only POSTs that start work count: reading results and uploading files do not.
    assert all(client.get("/gradio_api/queue/data").status_code == 200 for _ in range(5))
    assert all(client.post("/gradio_api/upload", content=b"x").status_code == 200 for _ in range(5))


def test_without_a_session_hash_the_logged_in_user_is_the_client() -> None:
    limiter = RateLimiter(6, 1, clock=FakeClock())
    client = _echo_app(limiter, user="anna")
    assert client.post("/gradio_api/call/ask", json={"data": ["q"]}).status_code == 200
    assert client.post("/gradio_api/call/ask", json={"data": ["q"]}).status_code == 429
    assert limiter.acquire("user:anna") > 0 and limiter.acquire("address:testclient") == 0.0


# -- end to end: a launched coach web -------------------------------------------------------------------


@pytest.fixture(scope="module")
def limited_server(_built_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """``coach web`` allowing each client 3 requests at once, then one every 10 s."""
    root = tmp_path_factory.mktemp("web-limits")
    shutil.copytree(_built_index, root / "data")
    env = {"COACH_WEB__REQUESTS_PER_MINUTE": "6", "COACH_WEB__REQUEST_BURST": "3"}
    with start_web(root / "data", root / "server.log", env) as server:
        yield server


@pytest.fixture
def client_env() -> None:
    # gradio_client ignores GRADIO_ANALYTICS_ENABLED; these keep it from calling the hub.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _join(url: str, session: str) -> httpx.Response:
    """Ask through the queue as the browser and gradio_client do (fn 0 is the /ask endpoint)."""
    body = {"data": [QUESTION, None], "fn_index": 0, "session_hash": session}
    return httpx.post(url + "gradio_api/queue/join", json=body, timeout=10)


@pytest.mark.usefixtures("client_env")
def test_a_flooding_client_gets_429_while_another_is_served(limited_server: WebServer) -> None:
    url = limited_server.url
    flood = [_join(url, "flooder-1") for _ in range(20)]
    codes = [r.status_code for r in flood]
    assert set(codes) == {200, 429} and 3 <= codes.count(200) <= 4, codes  # 4 if a token refilled meanwhile
    refused = [r for r in flood if r.status_code == 429]
    assert all(1 <= int(r.headers["retry-after"]) <= 10 for r in refused)
    assert refused[0].json()["detail"].startswith("For mange forespørsler på kort tid. Prøv igjen om")
    # In the same window, a second client (its own session) gets every answer…
    polite = Client(url, verbose=False)
    try:
        answers = [polite.predict(QUESTION, api_name="/ask") for _ in range(3)]
    finally:
        polite.close()
    assert all(a["covered"] and a["citations"] and "[1]" in a["answer"] for a in answers)
    # …and the flooder is still held back.
    assert _join(url, "flooder-1").status_code == 429


@pytest.mark.usefixtures("client_env")
def test_gradio_client_sees_the_429_once_its_burst_is_spent(limited_server: WebServer) -> None:
    client = Client(limited_server.url, verbose=False)
    try:
        assert all(client.predict(QUESTION, api_name="/ask")["covered"] for _ in range(3))
        with pytest.raises(httpx.HTTPStatusError, match="429"):
            client.predict(QUESTION, api_name="/ask")
    finally:
        client.close()


def test_calls_without_a_session_count_by_address(limited_server: WebServer) -> None:
    call = limited_server.url + "gradio_api/call/ask"
    codes = [httpx.post(call, json={"data": [QUESTION]}, timeout=10).status_code for _ in range(6)]
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429, codes
    assert _join(limited_server.url, "another-session").status_code == 200
    assert httpx.get(limited_server.url + "health", timeout=5).status_code == 200  # never limited


def test_logins_are_limited_by_address_in_their_own_bucket(tmp_path: Path, _built_index: Path) -> None:
    from assistant.web.auth import hash_password

    shutil.copytree(_built_index, tmp_path / "data")
    env = {
        "COACH_WEB__REQUESTS_PER_MINUTE": "6",
        "COACH_WEB__REQUEST_BURST": "3",
        "COACH_WEB__AUTH": f"anna:{hash_password('riktig-passord', iterations=1000)}",
    }
    with start_web(tmp_path / "data", tmp_path / "server.log", env) as server:
        guesses = [
            httpx.post(server.url + "login", data={"username": "anna", "password": f"gjett{i}"}, timeout=10)
            for i in range(6)
        ]
        codes = [r.status_code for r in guesses]
        assert codes.count(429) >= 2 and 429 not in codes[:3], codes  # three guesses, then refused
        assert "retry-after" in guesses[-1].headers
        assert httpx.get(server.url + "health", timeout=5).status_code == 200
