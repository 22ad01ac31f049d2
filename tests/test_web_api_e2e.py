"""End to end: a launched ``coach web`` on a loopback port, driven over HTTP and with ``gradio_client``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant.web.auth import hash_password
from tests.web_server import WebServer, start_web

ASK_KEYS = {"question", "answer", "covered", "language", "engine", "fallback_reason", "citations", "related"}


@pytest.fixture(scope="module")
def client(web_server: WebServer) -> Iterator[Client]:
    # gradio_client ignores GRADIO_ANALYTICS_ENABLED; these keep it from calling the hub.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    c = Client(web_server.url, verbose=False)
    yield c
    c.close()


def test_the_named_endpoints_are_exactly_ask_lint_draft_prep(client: Client) -> None:
    api = client.view_api(return_format="dict", print_info=False)
    assert set(api["named_endpoints"]) == {"/ask", "/lint", "/draft", "/prep"}
    assert not api["unnamed_endpoints"]


def test_ask_returns_the_answer_contract(client: Client) -> None:
    row = client.predict("Hvilke tre deler har god tilbakemelding?", api_name="/ask")
    assert set(row) == ASK_KEYS and row["covered"] is True and row["engine"] == "extractive"
    assert row["citations"][0]["section_key"] == "vaner/gi-tilbakemelding" and "[1]" in row["answer"]


def test_ask_a_follow_up_with_history(client: Client) -> None:
    history = [
        {"role": "user", "content": "Hvordan holder jeg gode en-til-en møter med selgerne?"},
        {"role": "assistant", "content": "Bruk dem til personlig coaching [1]."},
    ]
    row = client.predict("hva mener du med det?", history, api_name="/ask")
    assert "vaner/ukentlige-en-til-en-moter" in [c["section_key"] for c in row["citations"]]


def test_bad_input_comes_back_as_the_library_message(client: Client) -> None:
    with pytest.raises(AppError, match="The question is empty"):
        client.predict("  ", api_name="/ask")
    with pytest.raises(AppError, match="limit is 2000"):
        client.predict("x" * 3000, api_name="/ask")


def test_lint_and_draft_return_the_feedback_contracts(client: Client) -> None:
    lint = client.predict("Du er alltid for sen til kundemøtene.", api_name="/lint")
    assert set(lint) == {"parts", "findings"} and lint["parts"]["problem"] is True
    flagged = [f for f in lint["findings"] if f["rule"] == "absolute-language"]
    assert flagged and "Du er alltid for sen"[flagged[0]["start"] : flagged[0]["end"]] == "alltid"
    draft = client.predict(
        "Kari",
        "Du kom for sent til kundemøtet.",
        "Kunden måtte vente.",
        "",
        "",
        "direkte",
        "melding",
        "",
        api_name="/draft",
    )
    assert set(draft) == {"draft", "parts", "missing", "questions", "findings", "citations", "engine"}
    assert "Kari" in draft["draft"] and draft["missing"] == ["improvement", "positive"]
    notes = client.predict(
        "Ola", notes="Ola glemte å sende tilbudet. Kunden ble irritert.", api_name="/draft"
    )
    assert notes["parts"]["problem"] is True


def test_prep_returns_the_agenda_contract(client: Client) -> None:
    agenda = client.predict("Per Hansen", api_name="/prep")
    assert set(agenda) == {"person", "agenda", "open_actions"} and agenda["person"] == "Per Hansen"
    assert all(set(item) == {"title", "points", "citations"} for item in agenda["agenda"])


def test_health_answers_without_the_models(web_server: WebServer) -> None:
    reply = httpx.get(web_server.url + "health", timeout=5)
    assert reply.status_code == 200 and reply.json()["status"] == "ok" and reply.json()["index"]


# The file-route probes (these cases and ~190 more) live in tests/test_web_security.py.


def test_closed_pages_stay_closed(web_server: WebServer) -> None:
    for path in ("docs", "redoc", "openapi.json", "monitoring", "gradio_api/runs"):
        assert httpx.get(web_server.url + path, timeout=5).status_code in (401, 403, 404), path
    config = httpx.get(web_server.url + "config", timeout=5).json()
    assert config.get("footer_links") == [] and not config.get("run_history", False)


def test_with_a_login_nothing_answers_before_it(tmp_path: Path, web_server: WebServer) -> None:
    users = f"anna:{hash_password('riktig-passord', iterations=1000)}"
    with start_web(web_server.data_dir, tmp_path / "auth.log", {"COACH_WEB__AUTH": users}) as server:
        for path in ("config", "gradio_api/info"):
            assert httpx.get(server.url + path, timeout=5).status_code == 401, path
        assert httpx.get(server.url + "health", timeout=5).status_code == 200
        with pytest.raises(Exception, match=r"(?i)login|credentials|401"):
            Client(server.url, auth=("anna", "feil"), verbose=False)
        client = Client(server.url, auth=("anna", "riktig-passord"), verbose=False)
        assert client.predict("Hva er salgsledelse?", api_name="/ask")["covered"] is True
        client.close()
