"""End to end, hardening (issue 9): a launched ``coach web`` with a login, probed like an attacker would.

One app serves the whole module: a private copy of the index, a login (``COACH_WEB__AUTH``), an API key
canary in ``COACH_LLM__API_KEY`` and the LLM pointed at a fake OpenAI-compatible server on loopback. The
process runs under ``strace -f -e trace=connect`` when strace can trace here, and always with a small
``sitecustomize`` that records every Python-level ``connect``/``sendto``/``getaddrinfo`` (the in-process
``SocketWatch`` of tests/test_privacy.py cannot see a subprocess). The Python watch is blind to uvloop,
whose sockets and DNS lookups are native (the server's own async requests): strace is the real check.

- File routes: a generated list of probes (every Gradio route that serves files, crossed with targets
  and encodings) sent byte-for-byte with ``http.client`` (httpx would normalise ``..`` away), logged in:
  none returns a target's bytes, all answer 4xx. Uploads with hostile names write nothing outside
  Gradio's temporary folder.
- Login: every route that runs code or reveals the app answers 401 before login; non-loopback
  addresses are refused without a login.
- Secrets: the key, the password and its hash appear in no log, page, API answer, error or data file,
  also when the LLM fails (HTTP 500, garbage, a dead port).
- Sockets: a whole web session (chat, upload and indexing, feedback, 1:1, status) connects to nothing
  but loopback.
"""

from __future__ import annotations

import hashlib
import http.client
import importlib.util
import ipaddress
import json
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant.cli import main
from assistant.config import PROJECT_ROOT
from assistant.web.auth import hash_password
from tests.fake_llm_servers import FakeLLMServer
from tests.llm_server import free_port
from tests.web_server import WebServer

USER = "anna"
PASSWORD = "Kanari-Passord-4d8e2b"
API_KEY = "sk-kanari-LLM-7f3a9c1e5b0d"
FILE_CANARY = b"KANARI-FIL-0c5e9a71"  # the content of files the app must never serve
UPLOAD_CANARY = b"KANARI-OPPLASTING-93b1"  # the content of hostile uploads
QUESTION = "Hvordan gir jeg god tilbakemelding?"
#: Bytes that only a served target could put in a response.
MARKERS = (b"root:x:0:0", b"SQLite format 3", b"\x93NUMPY", b"data_level0", FILE_CANARY, API_KEY.encode())


# -- the launched app --------------------------------------------------------------------------------

_SOCKET_WATCH = r'''
"""Test-only: record where this process connects or looks up (tests/test_web_security.py)."""
import os, socket, threading

_LOG = os.environ["SOCKET_WATCH_LOG"]
_LOCK = threading.Lock()


def _note(kind, family, address):
    if isinstance(address, tuple) and family != socket.AF_UNIX:
        host, port = str(address[0]), str(address[1])
    else:
        host, port = "unix" if family == socket.AF_UNIX else repr(address), ""
    with _LOCK, open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{kind}\t{host}\t{port}\n")


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
_sendto, _getaddrinfo = socket.socket.sendto, socket.getaddrinfo


def connect(self, address):
    _note("connect", self.family, address)
    return _connect(self, address)


def connect_ex(self, address):
    _note("connect", self.family, address)
    return _connect_ex(self, address)


def sendto(self, data, *args):
    _note("sendto", self.family, args[-1])
    return _sendto(self, data, *args)


def getaddrinfo(host, port, *args, **kwargs):
    _note("getaddrinfo", socket.AF_INET, (host, port))
    return _getaddrinfo(host, port, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
socket.socket.sendto, socket.getaddrinfo = sendto, getaddrinfo
'''


def _strace_problem() -> str | None:
    """Why strace cannot trace here (None when it can)."""
    if shutil.which("strace") is None:
        return "strace is not installed (`apt-get install strace`; `make test` installs it when run as root)"
    done = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect", "-o", os.devnull, "true"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return None if done.returncode == 0 else f"strace cannot trace here: {done.stderr.strip()[:200]}"


class WatchedWebServer(WebServer):
    """``coach web`` with the Python socket watch, under ``strace`` when ``strace_log`` is given.

    The process gets its own session, so Ctrl+C (SIGINT) reaches ``coach web`` itself: strace keeps
    fatal signals blocked while it writes to a file, and would otherwise be killed, not the app.
    """

    def __init__(self, data_dir: Path, log_path: Path, env: dict[str, str], strace_log: Path | None) -> None:
        strace = ["strace", "-f", "-qq", "-e", "trace=connect", "-e", "signal=none", "-o", str(strace_log)]
        super().__init__(data_dir, log_path, env, prefix=strace if strace_log else (), new_session=True)

    def app_pid(self) -> int:
        """The pid of ``coach web`` itself (strace's child when traced)."""
        pid = self._process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        if children.exists() and Path(f"/proc/{pid}/comm").read_text().strip() == "strace":
            return int(children.read_text().split()[0])
        return pid

    def stop(self) -> None:
        """Ctrl+C to the process group (killed after 10 s)."""
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGINT)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()


@dataclass
class App:
    """The module's app and what it was started with."""

    server: WatchedWebServer
    fake: FakeLLMServer
    password_hash: str
    socket_log: Path
    strace_log: Path | None
    strace_problem: str | None
    targets: dict[str, Path] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.server.data_dir

    @property
    def secrets(self) -> dict[str, str]:
        """What must never be shown: the key, the password, its hash and the hash's digest alone."""
        return {
            "api key": API_KEY,
            "password": PASSWORD,
            "password hash": self.password_hash,
            "hash digest": self.password_hash.rsplit("$", 1)[1],
        }


@pytest.fixture(scope="module")
def app(_built_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    root = tmp_path_factory.mktemp("web-security")
    data_dir = root / "data"
    shutil.copytree(_built_index, data_dir)
    # Canary files the file route must never serve: one beside the served temporary folder, one in a
    # sibling folder whose name starts like it (a prefix check without a separator would let it through).
    (data_dir / "notes.txt").write_bytes(FILE_CANARY)
    (data_dir / "web-tmp-evil").mkdir()
    (data_dir / "web-tmp-evil" / "notes.txt").write_bytes(FILE_CANARY)
    watch_dir = root / "socket-watch"
    watch_dir.mkdir()
    (watch_dir / "sitecustomize.py").write_text(_SOCKET_WATCH, encoding="utf-8")
    socket_log = root / "sockets.tsv"
    socket_log.touch()
    problem = _strace_problem()
    strace_log = None if problem else root / "strace.log"
    password_hash = hash_password(PASSWORD, iterations=1000)
    fake = FakeLLMServer("echo_question").start()
    env = {
        "COACH_WEB__AUTH": f"{USER}:{password_hash}",
        "COACH_LLM__PROVIDER": "openai",
        "COACH_LLM__BASE_URL": fake.base_url,
        "COACH_LLM__MODEL": "fake",
        "COACH_LLM__API_KEY": API_KEY,
        "COACH_LLM__TIMEOUT_S": "5",
        "COACH_LLM__MAX_TOKENS": "32",
        "SOCKET_WATCH_LOG": str(socket_log),
        "PYTHONPATH": os.pathsep.join([str(watch_dir), str(PROJECT_ROOT)]),
    }
    try:
        server = WatchedWebServer(data_dir, root / "server.log", env, strace_log)
    except BaseException:
        fake.stop()
        raise
    try:
        generation = sorted((data_dir / "index").glob("g*/vectors.npy"))[-1].parent
        targets = {
            "passwd": Path("/etc/passwd"),
            "environ": Path("/proc/self/environ"),
            "database": data_dir / "coach.db",
            "chroma-db": generation / "chroma" / "chroma.sqlite3",
            "chroma-dir": generation / "chroma",
            "vectors": generation / "vectors.npy",
            "canary": data_dir / "notes.txt",
            "prefix-sibling": data_dir / "web-tmp-evil" / "notes.txt",
        }
        yield App(server, fake, password_hash, socket_log, strace_log, problem, targets)
    finally:
        server.stop()
        fake.stop()


class Browser:
    """What the browser does, over plain HTTP: log in, upload files, run UI events through the queue.

    Every response body it receives is kept in ``seen`` (the secrets test searches them).
    """

    def __init__(self, url: str, user: str = USER, password: str = PASSWORD) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        self.seen: list[str] = []
        self.keep(self.http.post("login", data={"username": user, "password": password})).raise_for_status()
        self.config: dict[str, Any] = self.keep(self.http.get("config")).json()
        self.session_hash = secrets.token_hex(8)

    def keep(self, reply: httpx.Response) -> httpx.Response:
        self.seen.append(reply.text)
        return reply

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar)

    def _event(self, elem_id: str, trigger: str) -> tuple[int, int]:
        ids = {c["id"]: c.get("props", {}).get("elem_id") for c in self.config["components"]}
        for dependency in self.config["dependencies"]:
            for target, kind in dependency["targets"]:
                if ids.get(target) == elem_id and kind == trigger:
                    return int(dependency["id"]), int(target)
        raise AssertionError(f"no {trigger} event on #{elem_id}")

    def run(self, elem_id: str, trigger: str, data: list[Any]) -> list[Any]:
        """Run the event the UI binds to ``#elem_id``'s trigger; returns its outputs."""
        fn_index, trigger_id = self._event(elem_id, trigger)
        joined = self.keep(
            self.http.post(
                "gradio_api/queue/join",
                json={
                    "data": data,
                    "fn_index": fn_index,
                    "trigger_id": trigger_id,
                    "session_hash": self.session_hash,
                    "event_data": None,
                },
            )
        )
        joined.raise_for_status()
        event_id = joined.json()["event_id"]
        params = {"session_hash": self.session_hash}
        with self.http.stream("GET", "gradio_api/queue/data", params=params) as stream:
            for line in stream.iter_lines():
                self.seen.append(line)
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("event_id") == event_id and message.get("msg") == "process_completed":
                    assert message.get("success"), message
                    return list(message["output"]["data"])
        raise AssertionError(f"#{elem_id} {trigger}: the stream ended without a result")

    def upload(self, name: str, content: bytes) -> httpx.Response:
        return self.keep(self.http.post("gradio_api/upload", files={"files": (name, content)}))

    def close(self) -> None:
        self.http.close()


@pytest.fixture(scope="module")
def browser(app: App) -> Iterator[Browser]:
    logged_in = Browser(app.server.url)
    yield logged_in
    logged_in.close()


@pytest.fixture(scope="module")
def client(app: App) -> Iterator[Client]:
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # gradio_client would call the hub otherwise
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    c = Client(app.server.url, auth=(USER, PASSWORD), verbose=False)
    yield c
    c.close()


def raw_request(port: int, target: str, cookie: str = "", method: str = "GET") -> tuple[int, bytes]:
    """Send ``target`` exactly as written (no normalisation of ``..`` or ``%``); returns status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        if cookie:
            connection.putheader("Cookie", cookie)
        connection.endheaders()
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


# -- 1. file-route probes ------------------------------------------------------------------------------


def _pct(text: str) -> str:
    return "".join(f"%{b:02X}" for b in text.encode())


#: How an absolute path is written after a route's ``=``.
ABSOLUTE_FORMS: dict[str, Callable[[str], str]] = {
    "plain": lambda p: p,
    "slashes-encoded": lambda p: p.replace("/", "%2F"),
    "all-encoded": _pct,
    "double-encoded": lambda p: p.replace("/", "%252F").replace(".", "%252E"),
    "backslashes": lambda p: p.replace("/", "%5C"),
    "overlong-utf8": lambda p: p.replace("/", "%C0%AF").replace(".", "%C0%AE"),
    "nul-suffix": lambda p: p + "%00.png",
    "double-slashes": lambda p: p.replace("/", "//"),
}
#: Ways out of the served temporary folder (``{tmp}``) to a file beside it (``{rel}``).
ESCAPE_FORMS: dict[str, str] = {
    "dotdot": "{tmp}/x/../../{rel}",
    "dotdot-dot": "{tmp}/./x/.././../{rel}",
    "dotdot-encoded": "{tmp}/x/%2e%2e/%2e%2e/{rel}",
    "dotdot-double-encoded": "{tmp}/x/%252e%252e/%252e%252e/{rel}",
    "dotdot-backslash": "{tmp}%5Cx%5C..%5C..%5C{rel}",
    "dotdot-overlong": "{tmp}/x/%C0%AE%C0%AE%C0%AF%C0%AE%C0%AE%C0%AF{rel}",
    "dotdot-nul": "{tmp}/x/../../{rel}%00",
    "one-dot-leaders": "{tmp}/x/" + _pct("\u2024\u2024/\u2024\u2024/") + "{rel}",
    "fullwidth-dots": "{tmp}/x/" + _pct("\uff0e\uff0e\uff0f\uff0e\uff0e\uff0f") + "{rel}",
    "dots-doubled": "{tmp}/x/....//....//{rel}",
}
#: Relative climbs out of a route's base folder (each repeated twelve times, then the target).
CLIMBS: dict[str, tuple[str, Callable[[str], str]]] = {
    "raw": ("../", lambda t: t),
    "encoded": ("%2e%2e%2f", lambda t: t.replace("/", "%2f")),
    "mixed": ("..%2f", lambda t: t.replace("/", "%2f")),
    "double-encoded": ("%252e%252e%252f", lambda t: t.replace("/", "%252f")),
    "backslash": ("..%5c", lambda t: t.replace("/", "%5c")),
    "overlong-utf8": ("%c0%ae%c0%ae%c0%af", lambda t: t.replace("/", "%c0%af")),
    "one-dot-leaders": (_pct("\u2024\u2024/"), lambda t: t),
    "fullwidth-dots": (_pct("\uff0e\uff0e\uff0f"), lambda t: t.replace("/", _pct("\uff0f"))),
}
#: Gradio 6 routes that join a path onto a folder (gradio/routes.py), and the old top-level file route.
BASE_ROUTES = (
    "/static/",
    "/assets/",
    "/svelte/",
    "/gradio_api/file/",
    "/gradio_api/file=",
    "/file=",
    "/gradio_api/proxy=",
)


def _textbox_id() -> str:
    # gradio.blocks.BlockContext.get_component_class_id, without importing gradio (3 s).
    spec = importlib.util.find_spec("gradio")
    assert spec is not None and spec.submodule_search_locations
    module = Path(next(iter(spec.submodule_search_locations))) / "components" / "textbox.py"
    return hashlib.sha256(f"Textbox_{module}".encode()).hexdigest()


class Probe(NamedTuple):
    """One request: ``template`` with ``{target}`` (the target's absolute path written in ``form``),
    ``{tmp}`` (the served temporary folder) and ``{rel}`` (the target relative to the data dir) filled in.
    """

    id: str
    template: str
    target: str = ""
    form: str = "plain"

    def path(self, app: App) -> str:
        target = app.targets.get(self.target, Path("/"))
        rel = target.relative_to(app.data_dir).as_posix() if target.is_relative_to(app.data_dir) else ""
        return (
            self.template.replace("{tmp}", str(app.data_dir / "web-tmp"))
            .replace("{rel}", rel)
            .replace("{target}", ABSOLUTE_FORMS[self.form](str(target)))
        )


TARGETS = ("passwd", "environ", "database", "chroma-db", "chroma-dir", "vectors", "canary", "prefix-sibling")


def generate_probes() -> list[Probe]:
    """Every file-serving route crossed with the targets and the ways of writing them."""
    probes = [
        Probe(f"file=-{target}-{form}", "/gradio_api/file={target}", target, form)
        for target in TARGETS
        for form in ABSOLUTE_FORMS
    ]
    probes += [
        Probe(f"file=-escape-{target}-{name}", "/gradio_api/file=" + form, target)
        for target in ("database", "canary", "vectors")
        for name, form in ESCAPE_FORMS.items()
    ]
    probes += [
        Probe(f"{route.strip('/')}-climb-{target.split('/')[-1]}-{name}", route + step * 12 + encode(target))
        for route in BASE_ROUTES
        for target in ("etc/passwd", "proc/self/environ")
        for name, (step, encode) in CLIMBS.items()
    ]
    component = f"/gradio_api/custom_component/{_textbox_id()}/client"
    probes += [
        Probe("file-slash-canary", "/gradio_api/file/{target}", "canary"),
        Probe("file-slash-database", "/gradio_api/file/{target}", "database"),
        Probe("root-file=-passwd", "/file={target}", "passwd"),
        Probe("file=-file-scheme", "/gradio_api/file=file:///etc/passwd"),
        Probe("file=-file-scheme-encoded", "/gradio_api/file=file%3A%2F%2F%2Fetc%2Fpasswd"),
        Probe("custom-component-dotdot-type", f"{component}/../passwd"),
        Probe("custom-component-encoded-type", f"{component}/%2e%2e/passwd"),
        Probe("custom-component-encoded-name", f"{component}/js/..%2f..%2f..%2f..%2fetc%2fpasswd"),
        Probe("theme.css-climb", "/theme.css/..%2f..%2f..%2fetc%2fpasswd"),
        Probe("favicon-climb", "/favicon.ico/../../../etc/passwd"),
        Probe("file=-relative-passwd", "/gradio_api/file=..%2F..%2F..%2Fetc%2Fpasswd"),  # an older case
    ]
    return probes


PROBES = generate_probes()
#: URLs given to the file and proxy routes: the guard must refuse them before Gradio sees them (Gradio
#: would resolve the host, ask dns.google about it and fetch public URLs). The first three were
#: tests/test_web_api_e2e.py's cases. The ``file/`` ones (Gradio's older route form, which the guard
#: once missed) use hosts Gradio rejects before any lookup, so a regression makes no connection.
URL_PROBES = [
    pytest.param("/gradio_api/file=http://127.0.0.1:9/x", id="file=-loopback"),
    pytest.param("/gradio_api/file=https%3A//example.com/", id="file=-encoded-scheme"),
    pytest.param("/gradio_api/proxy=https://example.hf.space/x", id="proxy=-space"),
    pytest.param("/gradio_api/file=http%253A%252F%252Fexample.com/", id="file=-double-encoded"),
    pytest.param("/gradio_api/file=//example.com/x", id="file=-scheme-relative"),
    pytest.param("/gradio_api/FILE=HTTPS://example.com/", id="file=-uppercase"),
    pytest.param("/gradio_api/file=%20https://example.com/", id="file=-leading-space"),
    pytest.param("/gradio_api/proxy=http://127.0.0.1:9/x", id="proxy=-loopback"),
    pytest.param("/gradio_api/file/http:///x", id="file-slash-no-host"),
    pytest.param("/gradio_api/file/https://[::1/x", id="file-slash-bad-host"),
    pytest.param("/gradio_api/file/https:%2F%2F%5B%3A%3A1%2Fx", id="file-slash-encoded"),
]


def test_the_probe_list_is_long_and_its_targets_hold_their_markers(app: App, browser: Browser) -> None:
    assert len(PROBES) >= 60 and len({p.id for p in PROBES}) == len(PROBES)
    print(f"{len(PROBES)} file-route probes, {len(URL_PROBES)} URL probes, {len(HOSTILE_UPLOADS)} uploads")
    for name, path in app.targets.items():  # each target exists, and the markers would spot its bytes
        assert path.exists(), name
        if path.is_file():
            content = (
                path.read_bytes()
                if name != "environ"
                else Path(f"/proc/{app.server.app_pid()}/environ").read_bytes()
            )
            assert any(marker in content for marker in MARKERS), name
    # The harness does see served bytes: a download the app made itself comes back whole.
    browser.run("oo-add-note", "click", ["Probe Person", "Et notat"])
    exported = browser.run("oo-export-md", "click", ["Probe Person"])[0]
    served = Path(exported["path"] if isinstance(exported, dict) else exported)
    assert served.is_relative_to(app.data_dir / "web-tmp")
    status, body = raw_request(app.server.port, f"/gradio_api/file={served}", browser.cookie)
    assert status == 200 and body == served.read_bytes()


@pytest.mark.parametrize("probe", PROBES, ids=[p.id for p in PROBES])
def test_file_route_probe_is_refused_and_serves_nothing(app: App, browser: Browser, probe: Probe) -> None:
    # Logged in: a user with a login must not read the server's files either.
    status, body = raw_request(app.server.port, probe.path(app), browser.cookie)
    leaked = [marker for marker in MARKERS if marker in body]
    assert not leaked, (status, body[:200])
    assert 400 <= status < 500, (status, body[:200])


@pytest.mark.parametrize("target", URL_PROBES)
def test_url_probe_is_refused_by_the_guard(app: App, browser: Browser, target: str) -> None:
    status, body = raw_request(app.server.port, target, browser.cookie)
    assert status == 403 and b"fetching URLs through the file route is turned off" in body, (status, body)


#: Upload file names that try to leave Gradio's temporary folder.
HOSTILE_UPLOADS = (
    "../../notes.txt",
    "../../../../../../tmp/escaped.md",
    "..",
    "/etc/kanari.md",
    "..\\..\\notes.txt",
    "..%2f..%2fnotes.txt",
    "\uff0e\uff0e\uff0fnotes.txt",
    "web-tmp/../../coach.db",
    "notes.txt\x00.md",
)


def test_hostile_upload_names_write_nothing_outside_the_temporary_folder(app: App, browser: Browser) -> None:
    temp = (app.data_dir / "web-tmp").resolve()
    before = app.targets["canary"].read_bytes()
    stored: list[Path] = []
    for name in HOSTILE_UPLOADS:
        reply = browser.upload(name, UPLOAD_CANARY + name.encode())
        assert reply.status_code in (200, 400), (name, reply.status_code, reply.text)
        if reply.status_code == 200:
            stored += [Path(p).resolve() for p in reply.json()]
    assert stored and all(path.is_relative_to(temp) and path.is_file() for path in stored), stored
    # Everything around the data dir (this module's own folder), and where the absolute names point.
    around = [*app.data_dir.parent.rglob("*"), Path("/tmp/escaped.md"), Path("/etc/kanari.md")]
    outside = [
        path
        for path in around
        if path.is_file() and not path.resolve().is_relative_to(temp) and _holds(path, UPLOAD_CANARY)
    ]
    assert outside == [] and app.targets["canary"].read_bytes() == before


def _holds(path: Path, needle: bytes) -> bool:
    try:
        return needle in path.read_bytes()
    except OSError:
        return False


# -- 2. login beyond loopback -------------------------------------------------------------------------

#: Routes that run code or reveal the app, as (method, path, JSON body); all need the login.
GUARDED_ROUTES: tuple[tuple[str, str, dict[str, Any] | None], ...] = (
    ("GET", "config", None),
    ("GET", "config/", None),
    ("GET", "gradio_api/info", None),
    ("GET", "gradio_api/openapi.json", None),
    ("GET", "gradio_api/login_check", None),
    ("GET", "gradio_api/queue/data?session_hash=x", None),
    ("GET", "gradio_api/upload_progress?upload_id=x", None),
    ("GET", "gradio_api/deep_link", None),
    ("GET", "gradio_api/call/v2/ask", None),
    ("GET", "gradio_api/call/ask/1", None),
    ("GET", "monitoring", None),
    ("GET", "gradio_api/file={notes}", None),
    ("GET", "gradio_api/file/{notes}", None),
    ("POST", "gradio_api/queue/join", {"data": [QUESTION, None], "fn_index": 0, "session_hash": "x"}),
    ("POST", "gradio_api/call/ask", {"data": [QUESTION]}),
    ("POST", "gradio_api/call/v2/ask", {"data": [QUESTION]}),
    ("POST", "gradio_api/run/ask", {"data": [QUESTION]}),
    ("POST", "gradio_api/api/ask", {"data": [QUESTION]}),
    ("POST", "gradio_api/upload", None),
    ("POST", "gradio_api/process_recording", None),
    (
        "POST",
        "gradio_api/component_server",
        {"session_hash": "x", "component_id": 1, "fn_name": "x", "data": []},
    ),
)


def test_every_guarded_route_answers_401_before_login(app: App, browser: Browser) -> None:
    notes = str(app.data_dir / "web-tmp")
    forged = {"Cookie": "; ".join(f"{c.name}={secrets.token_urlsafe(16)}" for c in browser.http.cookies.jar)}
    for headers in ({}, forged):  # no login, and a made-up session token
        for method, path, body in GUARDED_ROUTES:
            url = app.server.url + path.replace("{notes}", notes)
            reply = httpx.request(method, url, json=body, headers=headers, timeout=10)
            assert reply.status_code == 401, (method, path, reply.status_code, reply.text[:200])
    # The same routes do answer once logged in (so the 401s above come from the login).
    assert browser.http.get("config").status_code == 200
    assert browser.http.get("gradio_api/info").status_code == 200


def test_before_login_the_page_is_the_login_form_only(app: App) -> None:
    page = httpx.get(app.server.url, timeout=10)
    assert page.status_code == 200
    embedded = re.search(r"window\.gradio_config = (\{.*?\});</script>", page.text, re.S)
    assert embedded, page.text[:500]
    config = json.loads(embedded[1])
    assert config["auth_required"] is True and config["components"] == [] and config["dependencies"] == []
    for inside_the_app in (
        "fb-person",
        "kb-sources",
        "oo-agenda",
        "conv-list",
        str(app.data_dir),
        "Svart av",
    ):
        assert inside_the_app not in page.text, inside_the_app
    assert httpx.get(app.server.url + "gradio_api/token", timeout=10).json() == {"token": None, "user": None}
    assert httpx.get(app.server.url + "gradio_api/user", timeout=10).json() is None
    # /health is open on purpose (load balancers): status, version and index name only.
    assert set(httpx.get(app.server.url + "health", timeout=10).json()) == {"status", "version", "index"}


def test_before_login_the_page_does_not_describe_the_api(app: App, browser: Browser) -> None:
    # Gradio 6.31 writes window.gradio_api_info into every page; assistant/web/scrub.py empties it
    # for visitors who are not logged in.
    page = httpx.get(app.server.url, timeout=10).text
    assert "window.gradio_api_info = null" in page
    assert "named_endpoints" not in page and '"/ask"' not in page
    # A logged-in user's page is untouched (the scrub is what makes the difference).
    assert "named_endpoints" in browser.http.get("").text


@pytest.mark.parametrize(
    ("host", "how"),
    [
        ("0.0.0.0", "env"),
        ("::", "flag"),
        ("[::]", "flag"),
        ("192.168.1.10", "flag"),
        ("10.0.0.1", "env"),
        ("example.org", "flag"),
        ("0", "flag"),
        ("::ffff:10.0.0.1", "flag"),
    ],
)
@pytest.mark.parametrize("auth", ["", "   "])
def test_a_non_loopback_address_without_a_login_is_refused(
    host: str,
    how: str,
    auth: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # tests/test_web_ui.py checks --host 0.0.0.0; here the other spellings of "everyone", from the
    # environment too, and an auth setting of only blanks.
    monkeypatch.setenv("COACH_WEB__AUTH", auth)
    args = ["--data-dir", str(tmp_path), "web", "--port", str(free_port())]
    if how == "env":
        monkeypatch.setenv("COACH_WEB__HOST", host)
    else:
        args += ["--host", host]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"refusing to listen on {host} without a login" in err and "COACH_WEB__AUTH" in err
    assert not (tmp_path / "web-tmp").exists()  # refused before anything was built


def test_an_unreadable_login_setting_is_refused_without_echoing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plain password pasted where user:hash belongs must not end up in the terminal or a service log.
    for mistake in (f"{USER}:{PASSWORD}", PASSWORD):
        monkeypatch.setenv("COACH_WEB__AUTH", mistake)
        assert main(["--data-dir", str(tmp_path), "web", "--host", "0.0.0.0", "--port", "7999"]) == 1
        err = capsys.readouterr().err
        assert "COACH_WEB__AUTH" in err and PASSWORD not in err, err


# -- a whole web session ----------------------------------------------------------------------------


@dataclass
class Session:
    """What one full web session received, and how many requests reached the LLM."""

    seen: list[str]
    llm_requests: int


@pytest.fixture(scope="module")
def web_session(app: App, browser: Browser, client: Client) -> Session:
    """Chat, upload and index, feedback, 1:1 and status: through the API and the browser's own events."""
    before = len(app.fake.requests)
    row = client.predict(QUESTION, api_name="/ask")
    assert row["engine"] == "llm", row  # the fake LLM answered
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": row["answer"]}]
    answers = [
        row,
        client.predict("hva mener du med det?", history, api_name="/ask"),
        client.predict("Du er alltid for sen til kundemøtene.", api_name="/lint"),
        client.predict("Kari", notes="Kari kom for sent til møtet. Kunden ventet.", api_name="/draft"),
        client.predict("Kari", api_name="/prep"),
    ]
    chat = browser.run("ask", "click", [QUESTION, [], None, None])
    assert "[1]" in json.dumps(chat[0], ensure_ascii=False)
    uploaded = browser.upload("kunder.md", "# Kunder\n\nKari følger opp kunden samme dag.\n".encode())
    document = {"path": uploaded.json()[0], "orig_name": "kunder.md", "meta": {"_type": "gradio.FileData"}}
    assert "kunder.md" in browser.run("upload", "upload", [[document]])[0]
    browser.run("fb-lint", "click", ["Du er alltid for sen."])
    browser.run("oo-add-note", "click", ["Kari", "Et notat om kunden"])
    status = browser.run("status-refresh", "click", [])[0]
    assert "openai fake" in status and "NOT reachable" not in status, status
    seen = [json.dumps(a, ensure_ascii=False) for a in answers]
    return Session(seen, len(app.fake.requests) - before)


# -- 3. secrets never shown ---------------------------------------------------------------------------


def test_secrets_appear_in_no_log_page_answer_error_or_data_file(
    app: App,
    browser: Browser,
    client: Client,
    web_session: Session,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = app.server.url
    seen = [*web_session.seen]
    # Failed logins, one with the password typed into the user field.
    for user, password in ((USER, PASSWORD + "x"), (PASSWORD, PASSWORD), ("", PASSWORD), (USER, "")):
        reply = httpx.post(url + "login", data={"username": user, "password": password}, timeout=10)
        assert reply.status_code >= 400
        seen.append(reply.text)
    with pytest.raises(Exception) as refused:
        Client(url, auth=(USER, "feil-" + PASSWORD), verbose=False)
    seen.append(str(refused.value))
    # Bad input and malformed requests.
    for bad in (("  ",), ("x" * 3000,)):
        with pytest.raises(AppError) as error:
            client.predict(*bad, api_name="/ask")
        seen.append(str(error.value))
    seen += [
        browser.keep(browser.http.post("gradio_api/queue/join", content=b"{not json")).text,
        browser.keep(
            browser.http.post(
                "gradio_api/queue/join", json={"data": [], "fn_index": 999, "session_hash": "x"}
            )
        ).text,
    ]
    # The LLM failing: answers fall back to quotes and say why; the status tab checks the server.
    try:
        for behaviour in ("http500", "not_json", "cut_mid_stream"):
            app.fake.behaviour = behaviour
            row = client.predict(QUESTION, api_name="/ask")
            assert row["engine"] == "extractive" and row["fallback_reason"], row
            draft = client.predict("Kari", notes="Kari kom for sent. Kunden ventet.", api_name="/draft")
            seen += [
                json.dumps(row),
                json.dumps(draft),
                json.dumps(browser.run("ask", "click", [QUESTION, [], None, None])),
            ]
        seen += browser.run("status-refresh", "click", [])
    finally:
        app.fake.behaviour = "echo_question"
    for path in ("", "config", "gradio_api/info", "theme.css", "health"):
        seen.append(browser.keep(browser.http.get(path)).text)
    seen += browser.seen

    # The CLI with the same secrets and a dead LLM port: answers, status dumps, help, a settings error.
    caplog.set_level(logging.DEBUG)
    for key, value in {
        "PROVIDER": "openai",
        "BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "MODEL": "fake",
        "API_KEY": API_KEY,
        "TIMEOUT_S": "5",
    }.items():
        monkeypatch.setenv(f"COACH_LLM__{key}", value)
    monkeypatch.setenv("COACH_WEB__AUTH", f"{USER}:{app.password_hash}")
    cli: list[str] = []
    for args in (
        ["ask", QUESTION, "--engine", "llm"],
        ["ask", QUESTION, "--json"],
        ["status"],
        ["status", "--json"],
        ["feedback", "draft", "--name", "Kari", "--notes", "Kari kom for sent. Kunden ventet."],
    ):
        assert main(["--data-dir", str(app.data_dir), *args]) == 0, args
        cli += capsys.readouterr()
    assert any("NOT reachable" in text for text in cli)  # the dead port was tried
    for args in (["--help"], ["web", "--help"], ["ask", "--help"], ["status", "--help"]):
        with pytest.raises(SystemExit):
            main(args)
        cli += capsys.readouterr()
    monkeypatch.setenv("COACH_LLM__TIMEOUT_S", "-1")
    assert main(["--data-dir", str(app.data_dir), "status"]) == 1
    cli += capsys.readouterr()
    assert "llm.timeout_s" in cli[-1]

    log = app.server.log_path.read_text(encoding="utf-8", errors="replace")
    files = {p: p.read_bytes() for p in app.data_dir.rglob("*") if p.is_file()}
    leaks = []
    for name, secret in app.secrets.items():
        leaks += [f"{name} in the server log"] if secret in log else []
        leaks += [f"{name} in a response: {text[:120]!r}" for text in seen if secret in text]
        leaks += [f"{name} in CLI output" for text in cli if secret in text]
        leaks += [f"{name} in a log record" for text in (caplog.text,) if secret in text]
        leaks += [f"{name} in {path}" for path, content in files.items() if secret.encode() in content]
    assert leaks == []
    # The search could have found them: the app had the key, the password logged in, and much was seen.
    assert API_KEY.encode() in Path(f"/proc/{app.server.app_pid()}/environ").read_bytes()
    assert len(seen) > 40 and len(files) > 10 and web_session.llm_requests >= 4


# -- 4. sockets: loopback only ------------------------------------------------------------------------


def _loopback(host: str) -> bool:
    if host in ("", "None", "localhost", "unix"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0].removeprefix("::ffff:")).is_loopback
    except ValueError:
        return False


def test_a_web_session_connects_to_nothing_but_loopback_python_watch(app: App, web_session: Session) -> None:
    rows = [line.split("\t") for line in app.socket_log.read_text(encoding="utf-8").splitlines()]
    port = app.fake.base_url.rsplit(":", 1)[1].split("/")[0]
    assert ["connect", "127.0.0.1", port] in rows, "the watch saw no call to the LLM"  # it does see
    assert web_session.llm_requests >= 4  # answer, follow-up (condense + answer), draft
    outside = [row for row in rows if not _loopback(row[1]) or row[2] == "53"]
    assert outside == [], outside


_CONNECT = re.compile(r"connect\(\d+, \{sa_family=(?P<family>AF_\w+)(?P<rest>.*?)\}, \d+\)")
_PORT = re.compile(r"htons\((\d+)\)")
_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"')


def test_a_web_session_connects_to_nothing_but_loopback_under_strace(app: App, web_session: Session) -> None:
    if app.strace_log is None:
        pytest.skip(app.strace_problem or "strace is not available")
    # The whole module's calls: the probes' and the session's.
    calls = _CONNECT.findall(app.strace_log.read_text(encoding="utf-8", errors="replace"))
    inet = []
    for family, rest in calls:
        if family in ("AF_INET", "AF_INET6"):
            address, number = _ADDRESS.search(rest), _PORT.search(rest)
            assert address and number, rest
            inet.append((address[1] or address[2], number[1]))
    port = app.fake.base_url.rsplit(":", 1)[1].split("/")[0]
    assert ("127.0.0.1", port) in inet, "strace saw no call to the LLM"
    outside = [(a, p) for a, p in inet if not _loopback(a) or p == "53"]
    assert outside == [], outside
    assert {f for f, _ in calls} <= {"AF_INET", "AF_INET6", "AF_UNIX", "AF_UNSPEC"}, {f for f, _ in calls}
