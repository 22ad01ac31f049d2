"""Privacy: no connection but loopback through a whole session; forget and purge leave no bytes of a
name in the data dir; optional name redaction before anything reaches an LLM.

The socket watch wraps ``socket.socket.connect``/``connect_ex``/``sendto``, ``socket.getaddrinfo`` and
``socket.create_connection`` in this process (every Python HTTP client goes through them). Native code
that opens sockets itself would not show there, so the same kind of session also runs under ``strace``
(every ``connect`` system call of the process and its threads), when strace is installed.
"""

from __future__ import annotations

import io
import ipaddress
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from assistant.app import build_coach, build_feedback, build_notebook
from assistant.cli import main
from assistant.config import PROJECT_ROOT, LLMSettings
from assistant.memory import Message
from assistant.notebook import Notebook
from assistant.prompts import PromptLibrary
from assistant.redaction import NameRedactor
from tests.conftest import make_settings
from tests.fake_llm_servers import FakeLLMServer, prompt_text

CANARY = "Zyxwvu Kanarifuglsen"
QUESTION = "Hvordan gir jeg god tilbakemelding?"


def _loopback(host: Any) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


class SocketWatch:
    """Records every destination this process connects to or looks up."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def record(self, call: str, family: int, address: Any) -> None:
        if family == socket.AF_UNIX:
            self.seen.append((call, f"unix:{address!r}"))
        elif isinstance(address, tuple):
            self.seen.append((call, f"{address[0]}:{address[1]}"))
        else:
            self.seen.append((call, repr(address)))

    @property
    def outside(self) -> list[tuple[str, str]]:
        """Destinations that are not loopback (or a local Unix socket)."""
        return [
            (c, d) for c, d in self.seen if not d.startswith("unix:") and not _loopback(d.rsplit(":", 1)[0])
        ]

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
        real_sendto, real_getaddrinfo = socket.socket.sendto, socket.getaddrinfo

        def connect(sock: socket.socket, address: Any) -> None:
            self.record("connect", sock.family, address)
            return real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            self.record("connect_ex", sock.family, address)
            return real_connect_ex(sock, address)

        def sendto(sock: socket.socket, data: bytes, *args: Any) -> int:
            self.record("sendto", sock.family, args[-1])
            return real_sendto(sock, data, *args)  # type: ignore[arg-type]

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            self.seen.append(("getaddrinfo", f"{host}:{port}"))
            return real_getaddrinfo(host, port, *args, **kwargs)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket.socket, "sendto", sendto)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def fake_llm() -> Iterator[FakeLLMServer]:
    server = FakeLLMServer("echo_question").start()
    try:
        yield server
    finally:
        server.stop()


def _llm_env(monkeypatch: pytest.MonkeyPatch, server: FakeLLMServer, **extra: str) -> None:
    values = {"PROVIDER": "openai", "BASE_URL": server.base_url, "MODEL": "fake", "TIMEOUT_S": "5",
              "MAX_TOKENS": "32", **extra}
    for key, value in values.items():
        monkeypatch.setenv(f"COACH_LLM__{key}", value)


def _session(
    data_dir: Path, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    *, llm: bool,
) -> None:
    """A whole CLI session in this process: every command must succeed."""

    def run(*args: str, stdin: str | None = None) -> str:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--data-dir", str(data_dir), *args])
        out, err = capsys.readouterr()
        assert code == 0, (args, err)
        return out

    engine = ["--engine", "llm"] if llm else []
    run("index", str(folder))
    run("status")
    run("retrieve", QUESTION)
    run("ask", QUESTION, *engine)
    run("ask", QUESTION, "--json", *engine)
    run("chat", stdin=f"{QUESTION}\nog hva med den andre delen?\n\n")
    run("feedback", "lint", stdin="Kari kom for sent til kundemøtet. Kunden ventet i tjue minutter.\n")
    run("feedback", "draft", "--name", "Kari", "--notes", "Kari kom for sent. Kunden ventet. Kom i tide.")
    run("notes", "add", CANARY, "Hadde en tung uke")
    run("actions", "add", CANARY, "Følg opp kunden")
    run("meeting", "save", CANARY, "--notes", "Gikk gjennom målene")
    run("notes", "list", CANARY)
    run("prep", CANARY)
    run("export", CANARY, "--format", "json")
    run("forget", CANARY, "--yes")
    run("purge", "--days", "30")
    archive = data_dir.parent / f"backup-{llm}.tar.gz"
    run("backup", str(archive))
    main(["--data-dir", str(data_dir.parent / f"restored-{llm}"), "restore", str(archive)])
    capsys.readouterr()


def test_a_whole_session_connects_to_nothing_but_loopback(
    tmp_path: Path, _built_index: Path, fake_llm: FakeLLMServer, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(_built_index, data_dir)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "kunder.md").write_text("# Kunder\n\nKari følger opp kunden samme dag.\n", encoding="utf-8")
    watch = SocketWatch()
    watch.install(monkeypatch)

    _session(data_dir, folder, capsys, monkeypatch, llm=False)
    assert watch.outside == [], watch.outside
    assert not any(call == "connect" for call, _ in watch.seen)  # without an LLM: no connection at all

    _llm_env(monkeypatch, fake_llm)  # now with an LLM on loopback
    _session(data_dir, folder, capsys, monkeypatch, llm=True)
    assert watch.outside == [], watch.outside
    port = fake_llm.base_url.rsplit(":", 1)[1].split("/")[0]
    assert ("connect", f"127.0.0.1:{port}") in watch.seen  # the watch does see connections
    assert len(fake_llm.requests) >= 4  # ask, ask --json, chat (condense + answer), feedback draft


_STRACE_SESSION = """
import sys
from assistant.cli import main
data = sys.argv[1]
for args in (["index"], ["ask", "Hvordan gir jeg god tilbakemelding?", "--engine", "llm"],
             ["feedback", "draft", "--name", "Kari", "--notes", "Kari kom for sent. Kunden ventet."],
             ["notes", "add", "Kari", "Et notat"], ["prep", "Kari"], ["status"]):
    assert main(["--data-dir", data, *args]) == 0, args
"""
_INET = re.compile(r'sa_family=AF_INET6?, .*?(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"\))')


def test_the_session_under_strace_connects_to_nothing_but_loopback(
    tmp_path: Path, _built_index: Path, fake_llm: FakeLLMServer,
) -> None:
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed; the in-process socket watch covers Python's sockets")
    data_dir = tmp_path / "data"
    shutil.copytree(_built_index, data_dir)
    log = tmp_path / "strace.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update({"COACH_LLM__PROVIDER": "openai", "COACH_LLM__BASE_URL": fake_llm.base_url,
                "COACH_LLM__MODEL": "fake", "COACH_LLM__TIMEOUT_S": "10"})
    done = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(log),
         sys.executable, "-c", _STRACE_SESSION, str(data_dir)],
        capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=300,
    )
    if done.returncode != 0 and "ptrace" in done.stderr.lower():
        pytest.skip(f"strace cannot trace here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr[-2000:]
    addresses = [a or b for a, b in _INET.findall(log.read_text())]
    assert addresses, "strace saw no connection at all (the LLM call should be one)"
    outside = [a for a in addresses if not _loopback(a.removeprefix("::ffff:"))]
    assert outside == [], outside


# -- forget and purge, through the CLI, over the whole data dir ---------------------------------------
# (tests/test_notebook.py checks the database file after the service's forget and purge; here the
# commands run as a user runs them, and every file under the data dir is searched.)


def _data_dir_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file()).lower()


def test_forget_and_purge_leave_no_byte_of_the_name_anywhere_in_the_data_dir(
    tmp_path: Path, _built_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(_built_index, data_dir)
    name = CANARY.lower().encode()

    def coach(*args: str) -> str:
        code = main(["--data-dir", str(data_dir), *args])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    coach("notes", "add", CANARY, f"{CANARY} hadde en tung uke")
    coach("actions", "add", CANARY, f"Ring {CANARY} fredag")
    coach("meeting", "save", CANARY, "--notes", f"Møte med {CANARY}", "--action", "Ny avtale")
    coach("notes", "add", "Ola", "Ola blir")
    assert name in _data_dir_bytes(data_dir)  # the search can see the name
    coach("forget", CANARY, "--yes")
    assert name not in _data_dir_bytes(data_dir)
    assert b"tung uke" not in _data_dir_bytes(data_dir)
    assert "Ola blir" in coach("notes", "list", "Ola")

    settings = make_settings(data_dir)
    past = Notebook(build_notebook(settings).db.engine, prompts=PromptLibrary(settings.prompts_dir),
                    clock=lambda: datetime.now(UTC) - timedelta(days=60))
    past.add_note(CANARY, f"Gammelt notat om {CANARY}")
    chat = past.conversations.create()
    past.conversations.append(chat.id, "user", f"Hvordan gi {CANARY} tilbakemelding?")
    past.ratings.add(f"Om {CANARY}", "svar", -1, "extractive")
    assert name in _data_dir_bytes(data_dir)
    coach("purge", "--days", "30")
    assert name not in _data_dir_bytes(data_dir)
    assert "Ola blir" in coach("notes", "list", "Ola")


# -- name redaction ---------------------------------------------------------------------------------


@pytest.fixture
def redactor() -> NameRedactor:
    return NameRedactor(lambda: ["Kari Nordmann"], [PROJECT_ROOT / "knowledge"])


def test_redaction_replaces_names_and_restores_them(redactor: NameRedactor) -> None:
    r = redactor.session()
    text = "Kari kom for sent. Kari Nordmann og Per Olsen møtte Hansen AS om CRM. Salgsledelse er viktig."
    redacted = r.redact(text)
    for name in ("Kari", "Nordmann", "Per", "Olsen", "Hansen"):
        assert name not in redacted
    assert "CRM" in redacted and "Salgsledelse" in redacted and "[PERSON_" in redacted  # not names
    assert r.restore(redacted) == text
    assert r.redact("Gi Per Olsen ros") == "Gi " + r.redact("Per Olsen") + " ros"  # one name, one placeholder
    # A placeholder split across streamed pieces is held back until it is complete.
    pieces = ["Gi ", redacted[redacted.index("[PERSON_"):][:4], redacted[redacted.index("[PERSON_") + 4:]]
    assert "".join(r.restore_stream(pieces)) == r.restore("Gi " + redacted[redacted.index("[PERSON_"):])
    assert not any("[PERS" in piece for piece in r.restore_stream(pieces))


def _llm(fake: FakeLLMServer, redact: bool) -> LLMSettings:
    return LLMSettings(provider="openai", base_url=fake.base_url, model="fake", timeout_s=5, max_tokens=32,
                       redact_names=redact)


@pytest.mark.parametrize("redact", [True, False])
def test_names_reach_the_llm_only_as_placeholders_and_come_back_in_the_answer(
    redact: bool, tmp_path: Path, _built_index: Path, fake_llm: FakeLLMServer
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(_built_index, data_dir)
    settings = make_settings(data_dir, llm=_llm(fake_llm, redact))
    build_notebook(settings).add_note("Kari Nordmann", "Et notat")
    coach = build_coach(settings)
    question = "Hvordan gir jeg Kari Nordmann og Per Olsen god tilbakemelding?"
    snapshots = list(coach.stream(question, engine="llm"))
    follow_up = coach.ask("og hva med den andre delen?", engine="llm",
                          history=[Message(role="user", content=question),
                                   Message(role="assistant", content="Gi Kari Nordmann ros [1].")])
    drafter = build_feedback(settings)
    draft = drafter.from_notes("Kari kom for sent til møtet med Per Olsen. Kunden ventet.", "Kari Nordmann")

    sent = "\n".join(prompt_text(body) for body in fake_llm.requests)
    assert len(fake_llm.requests) == 4  # answer, condense + answer, feedback
    names = ("Kari", "Nordmann", "Per Olsen")
    if not redact:  # the control case: without redaction the names do reach the server
        assert all(n in sent for n in names)
        return
    assert not any(n in sent for n in names), sent
    assert "[PERSON_1]" in sent
    final = snapshots[-1]
    assert final.engine == "llm" and "Kari Nordmann" in final.text and "Per Olsen" in final.text
    assert not any("[PERS" in s.text for s in snapshots)  # never a placeholder on screen
    assert follow_up.question and "[PERSON" not in follow_up.question
    assert draft.engine == "llm" and "Per Olsen" in draft.text and "[PERSON" not in draft.text
