"""The web UI's handlers, called as plain functions without launching a server or a browser."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from assistant.app import Coach, build_coach, build_feedback, build_notebook
from assistant.cli import main
from assistant.config import PROJECT_ROOT, Settings, WebSettings
from assistant.errors import ConfigError, InputError
from assistant.notebook import Notebook
from assistant.prompts import PromptLibrary
from assistant.store import make_engine
from assistant.web import render
from assistant.web.auth import Authenticator, check_bind, hash_password, load_users, verify_password
from assistant.web.conversations import ConversationPanel
from assistant.web.files import inside, prune, safe_name
from assistant.web.server import fetches_url
from assistant.web.strings import EN, NB, Texts
from assistant.web.ui import WebUI
from tests.conftest import make_settings
from tests.llm_server import LLMServer, llm_settings_for

FEEDBACK_Q = "Hvordan gir jeg god tilbakemelding?"
ONE_TO_ONE_Q = "Hvordan holder jeg gode en-til-en møter med selgerne?"
UNCOVERED_Q = "Hvordan bytter jeg dekk på bilen?"
COFFEE_DOC = (
    "# Kaffemaskinen på salgskontoret\n\n"
    "Kaffemaskinen på salgskontoret rengjøres hver fredag av den som har kaffevakt den uka.\n\n"
    "Kaffevakten bytter på mandager, etter salgsmøtet.\n"
)


def make_ui(coach: Coach, temp_root: Path, **web: Any) -> WebUI:
    settings = coach.settings
    return WebUI(
        coach,
        build_notebook(settings),
        build_feedback(settings),
        settings.web.model_copy(update=web),
        temp_root,
    )


@pytest.fixture
def ui(writable_coach: Coach, tmp_path: Path) -> WebUI:
    return make_ui(writable_coach, tmp_path / "web-tmp")


def ask(
    ui: WebUI,
    question: str,
    turns: list[dict[str, str]] | None = None,
    conversation: int | None = None,
    messages: list[dict[str, Any]] | None = None,
) -> list[tuple[Any, ...]]:
    return list(ui.chat.ask(question, messages or [], turns or [], conversation))


# -- chat ---------------------------------------------------------------------------------------


def test_ask_yields_the_question_first_then_the_answer_with_its_sources(ui: WebUI) -> None:
    updates = ask(ui, FEEDBACK_Q)
    assert len(updates) >= 2
    first_messages, box, first_turns, _, _ = updates[0]
    assert [m["role"] for m in first_messages] == ["user", "assistant"] and box == "" and first_turns == []
    messages, _, turns, conversation, listing = updates[-1]
    answer, *sources = messages[1:]
    assert "[1]" in answer["content"] and "Kilder:" not in answer["content"]  # sources shown below instead
    assert "sitater fra veiledningen" in answer["content"]  # which engine answered
    assert sources and sources[0]["metadata"]["title"].startswith("[1] Salgsledelse. Gi tilbakemelding")
    assert "God tilbakemelding har tre deler" in sources[0]["content"]
    assert turns == [{"question": FEEDBACK_Q, "answer": turns[0]["answer"], "engine": "extractive"}]
    assert isinstance(conversation, int)
    assert listing.choices == [(FEEDBACK_Q, conversation)] and listing.value == conversation


def test_a_follow_up_uses_the_conversation(ui: WebUI) -> None:
    *_, (messages, _, turns, conversation, _) = ask(ui, ONE_TO_ONE_Q)
    *_, (messages, _, turns, same, _) = ask(ui, "hva mener du med det?", turns, conversation, messages)
    assert same == conversation and len(turns) == 2
    stored = ui.conversations.store.messages(conversation)
    keys = [c["section_key"] for c in stored[-1].metadata["answer"]["citations"]]
    assert "vaner/ukentlige-en-til-en-moter" in keys


def test_an_uncovered_question_gets_the_badge_and_no_sources(ui: WebUI) -> None:
    *_, (messages, *_rest) = ask(ui, UNCOVERED_Q)
    answer = messages[1]["content"]
    assert answer.startswith(f"**⚠ {NB['chat_badge_uncovered']}**")
    assert len(messages) == 2  # no source messages under a refusal


def test_an_empty_question_is_refused_without_touching_the_chat(ui: WebUI) -> None:
    with pytest.raises(gr.Error, match="Skriv et spørsmål"):
        ask(ui, "   ")
    assert ui.conversations.choices() == []


def test_faq_chips_are_the_faq_headings_of_the_knowledge_file(ui: WebUI) -> None:
    text = (PROJECT_ROOT / "knowledge" / "salgsledelse.md").read_text(encoding="utf-8")
    faq = text[text.index("{#faq}") :]
    headings = re.findall(r"^###\s+\d+\.\s+(.*?)\s*\{#faq/", faq, re.MULTILINE)
    assert sorted(ui.chat.faq_questions()) == sorted(headings) and len(headings) >= 5


def test_thumbs_are_stored_with_the_question_also_from_a_source_row(ui: WebUI) -> None:
    *_, (messages, _, turns, _, _) = ask(ui, FEEDBACK_Q)
    assert ui.chat.rate(messages, turns, index=1, liked=True) is not None
    assert ui.chat.rate(messages, turns, index=len(messages) - 1, liked=False) is not None  # a source row
    assert ui.chat.rate(messages, turns, index=0, liked=True) is None  # the question itself
    ratings = ui.chat.ratings.list()
    assert [(r.question, r.rating, r.engine) for r in ratings] == [
        (FEEDBACK_Q, 1, "extractive"),
        (FEEDBACK_Q, -1, "extractive"),
    ]


def test_document_text_is_escaped_and_never_becomes_markup() -> None:
    t = Texts("nb")
    record = {
        "answer": {"answer": "«<script>alert(1)</script>» [1]", "covered": True, "engine": "extractive"},
        "notice": None,
        "sources": [
            {
                "n": 1,
                "section": "<img src=x onerror=alert(1)>",
                "source": "a.md",
                "quotes": ["<script>alert(2)</script>"],
            }
        ],
    }
    answer, source = render.assistant_messages(record, t)
    assert "<script>" not in answer["content"] and "&lt;script&gt;" in answer["content"]
    assert "<img" not in source["metadata"]["title"] and "&lt;script&gt;" in source["content"]


def test_the_llm_answer_streams_into_the_chat(
    _built_index: Path, llm_server: LLMServer, tmp_path: Path
) -> None:
    # One source keeps the prompt short: SmolLM2 on two cores reads ~200 prompt tokens a second.
    coach = build_coach(
        make_settings(
            _built_index,
            llm=llm_settings_for(llm_server, max_tokens=24),
            retrieval={"k": 1},
            database={"url": f"sqlite:///{tmp_path / 'coach.db'}"},
        )
    )
    updates = ask(make_ui(coach, tmp_path / "web-tmp"), "How should I give feedback to a seller?")
    partial = [u[0][-1]["content"] for u in updates[1:-1]]
    assert len(partial) >= 3 and partial[-1].startswith(partial[0][:5])  # the text grew piece by piece
    final = updates[-1][0]
    answer = final[1]["content"]
    assert "språkmodell" in answer or "språkmodellens svar ble ikke brukt" in answer  # engine or notice
    assert any(m.get("metadata", {}).get("title", "").startswith("[") for m in final[2:])  # its sources


# -- saved conversations --------------------------------------------------------------------------


def test_conversations_are_saved_listed_reopened_renamed_and_deleted(ui: WebUI) -> None:
    *_, (_, _, _, first, _) = ask(ui, FEEDBACK_Q)
    *_, (_, _, _, second, _) = ask(ui, ONE_TO_ONE_Q)
    panel = ui.conversations
    assert [cid for _, cid in panel.choices()] == [second, first]  # the latest first
    messages, turns, opened = panel.open(first)
    assert opened == first and turns[0]["question"] == FEEDBACK_Q
    assert messages[0]["content"] == FEEDBACK_Q and messages[2]["metadata"]["title"].startswith("[1]")
    listing, box = panel.rename(first, "  Tilbakemelding\n til Kari ")
    assert box == "" and ("Tilbakemelding til Kari", first) in listing.choices
    listing, chat, turns, current = panel.delete(second)
    assert [cid for _, cid in listing.choices] == [first] and (chat, turns, current) == ([], [], None)
    assert panel.open(second) == ([], [], None)
    panel.delete_all()
    assert panel.choices() == []


def test_old_conversations_are_purged_by_the_retention_setting(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    prompts = PromptLibrary(PROJECT_ROOT / "prompts")
    old = Notebook(engine, prompts=prompts, clock=lambda: datetime.now(UTC) - timedelta(days=40))
    old.conversations.create("Gammel samtale")
    fresh = Notebook(engine, prompts=prompts)
    kept = fresh.conversations.create("Ny samtale").id
    panel = ConversationPanel(fresh, Texts("nb"), retention_days=30)
    assert panel.choices() == [("Ny samtale", kept)]
    assert ConversationPanel(fresh, Texts("nb"), retention_days=None).purge_old() == 0


# -- knowledge upload -----------------------------------------------------------------------------


def test_upload_rejects_bad_files_by_name_and_indexes_the_good_one(
    writable_coach: Coach, tmp_path: Path
) -> None:
    temp = tmp_path / "web-tmp"
    incoming = temp / "abc123"
    incoming.mkdir(parents=True)
    good = incoming / "Kaffe rutiner.md"
    good.write_text(COFFEE_DOC, encoding="utf-8")
    (incoming / "program.exe").write_bytes(b"MZ\x00\x01")
    (incoming / "stor.txt").write_text("ord " * 3000, encoding="utf-8")
    (incoming / "tom.txt").write_bytes(b"")
    (incoming / "skadet.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    outside = tmp_path / "elsewhere.md"
    outside.write_text("# Utenfor\n\nDenne filen ligger utenfor den midlertidige mappen.\n", encoding="utf-8")
    ui = make_ui(writable_coach, temp, max_upload_mb=0.01)
    names = ["Kaffe rutiner.md", "program.exe", "stor.txt", "tom.txt", "skadet.pdf"]
    result, table, pick = ui.knowledge.upload([str(incoming / n) for n in names] + [str(outside)])
    assert "Kaffe_rutiner.md" in result and "elsewhere.md" in result
    for name, reason in [
        ("program.exe", "filtypen støttes ikke"),
        ("stor.txt", "over grensen på 0.01 MB"),
        ("tom.txt", "filen er tom"),
        ("skadet.pdf", "PDF"),
    ]:
        assert re.search(rf"- {re.escape(name)}: .*{reason}", result), (name, result)
    uploads = writable_coach.settings.data_dir.resolve() / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["Kaffe_rutiner.md", "elsewhere.md"]
    assert not any(incoming.iterdir()) and outside.exists()  # Gradio's copies go; other files stay
    rows = {row[0]: row for row in table.value["data"]}
    assert rows["uploads/Kaffe_rutiner.md"][1] >= 1 and rows["uploads/Kaffe_rutiner.md"][3] == "lastet opp"
    assert rows["knowledge/salgsledelse.md"][3] == "innebygd"
    assert ("Kaffe_rutiner.md", "upload:Kaffe_rutiner.md") in pick.choices
    answer = writable_coach.ask("Når rengjøres kaffemaskinen på salgskontoret?")
    assert answer.covered and any(c.source == "uploads/Kaffe_rutiner.md" for c in answer.citations)

    result, table, pick = ui.knowledge.remove("upload:Kaffe_rutiner.md")
    assert "Kaffe_rutiner.md" in result and not (uploads / "Kaffe_rutiner.md").exists()
    assert all(row[0] != "uploads/Kaffe_rutiner.md" for row in table.value["data"])
    result, table, _ = ui.knowledge.rebuild()
    assert re.fullmatch(r"Indeksen er bygd på nytt: \d+ deler fra 2 filer\.", result)
    assert {row[0] for row in table.value["data"]} == {"knowledge/salgsledelse.md", "uploads/elsewhere.md"}


def test_too_many_files_at_once_are_named_and_refused(writable_coach: Coach, tmp_path: Path) -> None:
    files = []
    for n in range(3):
        path = tmp_path / f"notat{n}.md"
        path.write_text(f"# Notat {n}\n\nEt kort notat nummer {n} om salgsmøter.\n", encoding="utf-8")
        files.append(str(path))
    ui = make_ui(writable_coach, tmp_path / "web-tmp", max_upload_files=2)
    result, _, _ = ui.knowledge.upload(files)
    assert "notat2.md: for mange filer" in result and "notat0.md" in result


def test_old_temporary_files_are_pruned(tmp_path: Path) -> None:
    old, new = tmp_path / "a" / "old.md", tmp_path / "b" / "new.md"
    for path in (old, new):
        path.parent.mkdir()
        path.write_text("x", encoding="utf-8")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    assert prune(tmp_path, 600) == 1
    assert not old.parent.exists() and new.exists()


def test_web_password_prints_a_login_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("et langt passord\n"))
    assert main(["--data-dir", str(tmp_path), "web-password", "anna"]) == 0
    user, encoded = capsys.readouterr().out.strip().split(":", 1)
    assert user == "anna" and verify_password("et langt passord", encoded)
    monkeypatch.setattr("sys.stdin", io.StringIO("kort\n"))
    assert main(["--data-dir", str(tmp_path), "web-password", "anna"]) == 2


def test_safe_names_stay_inside_the_upload_folder(tmp_path: Path) -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\x.MD") == "x.md"
    assert safe_name("..") == "dokument" and safe_name(".bashrc") == "bashrc"
    assert safe_name("Møte notat (1).docx") == "Møte_notat_1.docx"
    assert len(safe_name("a" * 500 + ".pdf")) <= 120 and safe_name("a" * 500 + ".pdf").endswith(".pdf")
    assert inside(tmp_path, "x.md") == (tmp_path / "x.md").resolve()
    with pytest.raises(InputError):
        inside(tmp_path, "../x.md")


# -- feedback and one-to-one ----------------------------------------------------------------------


def test_feedback_draft_lint_highlight_download_and_save(ui: WebUI) -> None:
    assert ui.feedback is not None
    text, parts, marked, findings, engine = ui.feedback.draft(
        "Kari",
        "Du kom for sent til kundemøtet.",
        "Kunden måtte vente.",
        "Kom ti minutter før neste gang.",
        "Du forbereder deg godt.",
        "varm",
        "samtale",
        "",
    )
    assert "Kari" in text and parts.count("✓") == 4 and "mal (uten språkmodell)" in engine
    parts, marked, findings = ui.feedback.lint(text + " Du er alltid sen.")
    assert ("alltid", "bastant ord") in marked
    assert "".join(run for run, _ in marked) == text + " Du er alltid sen."
    assert "«alltid»" in findings
    path = Path(ui.feedback.download(text, "Kari", "md"))
    assert path.name == "tilbakemelding-Kari.md" and path.read_text(encoding="utf-8") == text.strip() + "\n"
    assert "Kari" in ui.feedback.save("Kari", text)
    assert [d.text for d in ui.one_to_one.notebook.list_feedback_drafts("Kari")] == [text]


def test_feedback_from_notes_names_the_missing_parts(ui: WebUI) -> None:
    assert ui.feedback is not None
    _, parts, _, findings, _ = ui.feedback.draft(
        "Ola", "", "", "", "", "direkte", "melding", "Ola glemte å følge opp tilbudet til kunden."
    )
    assert "✗" in parts and "Spørsmål til deg" in findings


def test_one_to_one_agenda_meeting_export_and_forget(ui: WebUI) -> None:
    tab = ui.one_to_one
    message, agenda, actions, _, _ = tab.add_action("Kari Nordmann", "Ring tre kunder | 2030-01-15")
    assert "Ring tre kunder" in agenda and actions.choices[0][0] == "Ring tre kunder (frist 2030-01-15)"
    action_id = actions.choices[0][1]
    message, agenda, actions, notes, new, people = tab.save_meeting(
        "Kari Nordmann",
        "Snakket om pipeline.",
        [action_id],
        "Send tilbud til Acme\nFølg opp Beta | 2030-02-01",
    )
    assert message == "Møtet er lagret: 1 tiltak gjort, 2 nye, 0 videreført." and (notes, new) == ("", "")
    assert [label for label, _ in actions.choices] == [
        "Send tilbud til Acme",
        "Følg opp Beta (frist 2030-02-01)",
    ]
    assert ("Kari Nordmann", "Kari Nordmann") in people.choices and people.value == "Kari Nordmann"
    exported = json.loads(Path(tab.export("Kari Nordmann", "json")).read_text(encoding="utf-8"))
    assert exported["person"] == "Kari Nordmann" and len(exported["actions"]) == 3
    assert exported["meetings"][0]["notes"] == "Snakket om pipeline."
    assert "Send tilbud til Acme" in Path(tab.export("Kari Nordmann", "md")).read_text(encoding="utf-8")
    with pytest.raises(gr.Error, match="Navnet stemmer ikke"):
        tab.forget("Kari Nordmann", "Kari")
    message, *_ = tab.forget("Kari Nordmann", "kari  nordmann")
    assert "er slettet" in message and tab.notebook.find_person("Kari Nordmann") is None
    with pytest.raises(gr.Error, match="ikke en dato"):
        tab.new_actions("Noe | neste uke")


def test_status_shows_version_data_dir_engine_and_index(ui: WebUI) -> None:
    view = ui.status.markdown()
    assert "| Versjon | 0." in view and str(ui.chat.coach.settings.data_dir) in view
    assert "| Svarmotor | extractive |" in view and re.search(r"\| Indeks \| \d+ deler fra \d+ filer", view)


def test_api_functions_return_the_json_contracts(ui: WebUI) -> None:
    answer = ui.api.ask(FEEDBACK_Q)
    assert set(answer) == {
        "question",
        "answer",
        "covered",
        "language",
        "engine",
        "fallback_reason",
        "citations",
        "related",
    }
    assert set(ui.api.lint("Du er alltid sen.")) == {"parts", "findings"}
    assert set(ui.api.draft("Kari", problem="Du kom for sent.")) == {
        "draft",
        "parts",
        "missing",
        "questions",
        "findings",
        "citations",
        "engine",
    }
    assert set(ui.api.prep("Kari")) == {"person", "agenda", "open_actions"}
    with pytest.raises(gr.Error, match="empty"):
        ui.api.ask("")


# -- safe defaults --------------------------------------------------------------------------------


def test_a_public_address_without_login_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError, match=r"refusing to listen on 0\.0\.0\.0"):
        check_bind("0.0.0.0", {})
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.5"):
        check_bind(host, {})
    check_bind("0.0.0.0", {"anna": hash_password("hemmelig!", iterations=1000)})
    assert main(["--data-dir", str(tmp_path), "web", "--host", "0.0.0.0", "--port", "7999"]) == 1
    assert "refusing to listen on 0.0.0.0 without a login" in capsys.readouterr().err
    assert not (tmp_path / "web-tmp").exists()  # refused before anything was built


def test_password_hashes_users_and_login(tmp_path: Path) -> None:
    encoded = hash_password("riktig passord", iterations=1000)
    assert encoded.startswith("pbkdf2_sha256$1000$") and verify_password("riktig passord", encoded)
    assert not verify_password("feil", encoded) and not verify_password("x", "not-a-hash")
    assert load_users(f"anna:{encoded}, bob:{encoded}") == {"anna": encoded, "bob": encoded}
    users_file = tmp_path / "users"
    users_file.write_text(f"# logins\nanna:{encoded}\n\n", encoding="utf-8")
    assert load_users(str(users_file)) == {"anna": encoded}
    with pytest.raises(ConfigError, match="expected user:pbkdf2_sha256"):
        load_users("anna:plaintext")
    login = Authenticator({"anna": encoded})
    assert (
        login("anna", "riktig passord") and not login("anna", "feil") and not login("eve", "riktig passord")
    )
    # What Gradio is given: a coroutine function (Gradio awaits it; a plain one would run the PBKDF2
    # check on the event loop and stall every other request while logins are checked).
    assert inspect.iscoroutinefunction(login.check)
    assert asyncio.run(login.check("anna", "riktig passord")) and not asyncio.run(login.check("anna", "feil"))
    assert Settings(data_dir=tmp_path, web=WebSettings(auth=f"anna:{encoded}")).web.auth.get_secret_value()
    assert encoded not in repr(WebSettings(auth=f"anna:{encoded}"))


@pytest.mark.parametrize(
    ("path", "blocked"),
    [
        ("/gradio_api/file=http://example.com/x", True),
        ("/gradio_api/file=https://example.com/x", True),
        ("/gradio_api/file=HTTP://example.com", True),
        ("/gradio_api/file=http%3A//example.com", True),
        ("/gradio_api/file=http%253A%252F%252Fexample.com", True),
        ("/gradio_api/file=//example.com/x", True),
        ("/gradio_api/proxy=https://x.hf.space/a", True),
        ("/gradio_api/file=/tmp/gradio/abc/file.md", False),
        ("/gradio_api/queue/join", False),
        ("/", False),
    ],
)
def test_the_file_route_guard_blocks_url_fetches(path: str, blocked: bool) -> None:
    assert fetches_url(path) is blocked


def test_the_app_builds_in_english_with_only_the_four_public_endpoints(
    writable_coach: Coach, tmp_path: Path
) -> None:
    demo = make_ui(writable_coach, tmp_path / "web-tmp", language="en").build()
    public = {fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"}
    assert public == {"ask", "lint", "draft", "prep"}
    labels = {getattr(block, "label", None) for block in demo.blocks.values()}
    assert {"Conversation", "Upload documents", "Draft (editable)"} <= labels


def test_every_text_exists_in_both_languages() -> None:
    assert set(NB) == set(EN)
    assert Texts("en")("kb_reject_size", size=30.0, limit=20.0) == "30.0 MB is over the limit of 20 MB"
