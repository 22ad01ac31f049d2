"""The notebook, conversations and rating log through a SQLAlchemy URL: SQLite and a real PostgreSQL.

The PostgreSQL cluster is a throwaway one started by the ``postgres_server`` fixture (each test gets
its own database). The last tests run two app processes side by side, as two replicas behind a proxy
would: one PostgreSQL database and one Chroma server, nothing shared on disk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select

from assistant.app import build_notebook
from assistant.config import PROJECT_ROOT
from assistant.errors import InputError
from assistant.notebook import Notebook
from assistant.prompts import PromptLibrary
from assistant.store import HEAD, make_engine, schema_version, sqlite_url
from assistant.store.models import Base, Note, Person
from tests.app_worker import AppProcess
from tests.chroma_server import ChromaServer, unique_collection
from tests.conftest import make_settings
from tests.postgres_server import PostgresServer
from tests.test_store import _schema

PROMPTS = PromptLibrary(PROJECT_ROOT / "prompts")
CANARY = "Zyxwvu Kanarifuglsen"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "coach.db")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()


@pytest.fixture
def notebook(db_url: str, tmp_path: Path) -> Notebook:
    # Through the composition root, as the app builds it from COACH_DATABASE__URL.
    return build_notebook(make_settings(tmp_path / "data", database={"url": db_url}))


def _count(engine: Engine, model: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar() or 0)


def test_the_migrated_schema_is_exactly_the_models(db_url: str, request: pytest.FixtureRequest,
                                                    tmp_path: Path) -> None:
    migrated = make_engine(db_url)
    assert schema_version(migrated) == HEAD
    if db_url.startswith("sqlite"):
        reference_url = sqlite_url(tmp_path / "reference.db")
    else:
        reference_url = request.getfixturevalue("postgres_server").new_database()
    reference = create_engine(reference_url)
    Base.metadata.create_all(reference)
    assert _schema(migrated) == _schema(reference)
    assert schema_version(make_engine(db_url)) == HEAD  # opening again changes nothing


def test_notebook_round_trip(notebook: Notebook) -> None:
    notebook.add_note("Kari Nordmann", "Sterk på kundemøter, svak på oppfølging av tilbud.")
    notebook.add_note("kari  nordmann", "Emoji og linjeskift 👍\nandre linje")
    action = notebook.add_action("Kari Nordmann", "Ring Hansen AS", date(2026, 12, 24))
    offer = notebook.add_action("Kari Nordmann", "Send tilbud")
    result = notebook.save_meeting("Kari Nordmann", notes="Gikk gjennom pipeline", done=[action.id],
                                   new_actions=[("Forbered demo", date(2027, 1, 10))])
    assert result.meeting.notes == "Gikk gjennom pipeline"
    draft = notebook.save_feedback_draft("Kari Nordmann", "Du svarte kunden sent.", {"problem": "sent svar"})
    assert notebook.mark_feedback_given(draft.id).status == "given"

    assert [n.text for n in notebook.list_notes("KARI NORDMANN")] == [
        "Sterk på kundemøter, svak på oppfølging av tilbud.", "Emoji og linjeskift 👍\nandre linje"
    ]
    open_actions = notebook.list_actions("Kari Nordmann")
    assert [a.text for a in open_actions] == ["Send tilbud", "Forbered demo"]
    assert open_actions[0].id == offer.id and open_actions[1].due == date(2027, 1, 10)
    exported = notebook.export("Kari Nordmann")
    assert len(exported["notes"]) == 2 and len(exported["meetings"]) == 1
    assert "Ring Hansen AS" in notebook.export_markdown("Kari Nordmann")
    with pytest.raises(InputError):
        notebook.add_note("Kari Nordmann", "a\x00b")


def test_forget_and_purge_delete_every_row(notebook: Notebook) -> None:
    engine = notebook.db.engine
    notebook.add_note(CANARY, f"{CANARY} hadde en tung uke")
    notebook.add_action(CANARY, "Følg opp")
    notebook.save_meeting(CANARY, notes="Møte", new_actions=["Ny avtale"])
    notebook.add_note("Ola", "Ola blir")
    report = notebook.forget(CANARY.upper())
    assert report.found and report.scrubbed
    assert report.deleted == {"notes": 1, "feedback_drafts": 0, "actions": 2, "meetings": 1, "people": 1}
    with engine.connect() as conn:
        texts = conn.execute(select(Note.text)).scalars().all()
        names = conn.execute(select(Person.name)).scalars().all()
    assert texts == ["Ola blir"] and names == ["Ola"]

    now = datetime.now(UTC)
    past = Notebook(engine, prompts=PROMPTS, clock=lambda: now - timedelta(days=40))
    past.add_note("Kari", "Gammelt notat")
    old_chat = past.conversations.create()
    past.conversations.append(old_chat.id, "user", "Gammelt spørsmål?")
    past.ratings.add("Gammelt spørsmål", "Gammelt svar", -1, "extractive")
    notebook.add_note("Kari", "Nytt notat")
    purged = notebook.purge(30)
    assert purged.deleted["notes"] == 1 and purged.deleted["conversations"] == 1
    assert purged.deleted["feedback_log"] == 1
    assert [n.text for n in notebook.list_notes("Kari")] == ["Nytt notat"]
    assert _count(engine, Note) == 2


def test_conversations_and_ratings(notebook: Notebook) -> None:
    chats = notebook.conversations
    first = chats.create()
    chats.append(first.id, "user", "Hvordan gir jeg god tilbakemelding?")
    sources = {"sources": ["vaner/gi-tilbakemelding"]}
    chats.append(first.id, "assistant", "Dette sier veiledningen: …", sources)
    second = chats.create("Egen tittel")
    chats.append(second.id, "user", "Hva er salgsledelse?")
    assert [c.title for c in chats.list()] == ["Egen tittel", "Hvordan gir jeg god tilbakemelding?"]
    messages = chats.messages(first.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].metadata == {"sources": ["vaner/gi-tilbakemelding"]}
    assert chats.rename(first.id, "Tilbakemelding").title == "Tilbakemelding"
    chats.delete(second.id)
    assert [c.id for c in chats.list()] == [first.id]
    notebook.ratings.add("Hva er salgsledelse?", "Salgsledelse er …", 1, "extractive")
    assert [json.loads(line)["rating"] for line in notebook.ratings.export_jsonl().splitlines()] == [1]


_WRITER = """
import sys, time, pathlib
from assistant.config import PROJECT_ROOT
from assistant.notebook import Notebook
from assistant.prompts import PromptLibrary
from assistant.store import make_engine
url, ready, go, tag = sys.argv[1:]
pathlib.Path(ready).touch()
while not pathlib.Path(go).exists():
    time.sleep(0.002)
notebook = Notebook(make_engine(url), prompts=PromptLibrary(PROJECT_ROOT / "prompts"))
for i in range(100):
    notebook.add_note("Kari Nordmann" if i % 2 else "kari  nordmann", f"{tag} {i}")
"""


def test_two_processes_writing_at_once_to_a_new_postgres_database_lose_nothing(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    url, go = postgres_server.new_database(), tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, url, str(tmp_path / f"ready-{tag}"), str(go), tag],
                         cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True)
        for tag in ("A", "B")
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{tag}").exists() for tag in ("A", "B")):
        assert time.monotonic() < deadline, "writers did not start"
        time.sleep(0.01)
    go.touch()  # both migrate the empty database and write at the same moment
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    notebook = Notebook(make_engine(url), prompts=PROMPTS)
    notes = notebook.list_notes("KARI NORDMANN")
    assert {n.text for n in notes} == {f"{tag} {i}" for tag in "AB" for i in range(100)}
    assert len(notebook.list_people()) == 1


# -- two app replicas: one PostgreSQL database, one Chroma server --------------------------------


def _replica_env(db_url: str, chroma: ChromaServer, collection: str, data_dir: Path,
                 knowledge: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update({
        "COACH_DATA_DIR": str(data_dir), "COACH_DATABASE__URL": db_url,
        "COACH_VECTORSTORE__MODE": "http", "COACH_VECTORSTORE__URL": chroma.url,
        "COACH_VECTORSTORE__COLLECTION": collection, "COACH_KNOWLEDGE_PATHS": json.dumps([str(knowledge)]),
        "HF_HUB_OFFLINE": "1",
    })
    return env


def test_two_app_replicas_serve_consistent_results(
    postgres_server: PostgresServer, chroma_server: ChromaServer, tmp_path: Path
) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "crm.md").write_text("# CRM\n\nKundebesøk registreres i CRM samme dag.", encoding="utf-8")
    (knowledge / "mål.md").write_text("# Mål\n\nHver selger har et kvartalsmål for nysalg.", encoding="utf-8")
    db_url, collection = postgres_server.new_database(), unique_collection()
    a = AppProcess(_replica_env(db_url, chroma_server, collection, tmp_path / "a", knowledge), PROJECT_ROOT)
    b = AppProcess(_replica_env(db_url, chroma_server, collection, tmp_path / "b", knowledge), PROJECT_ROOT)
    try:
        assert a.call(op="index")["generation"] == "g000001"
        before = b.call(op="ask", question="Når registreres kundebesøk?")
        assert before["generation"] == "g000001" and before["sources"][0].endswith("crm.md")

        # A note saved through one replica is seen by the other, and the other way round.
        note = "Lovet å sende tilbud til Hansen AS fredag."
        a.call(op="note", person="Kari Nordmann", text=note)
        assert b.call(op="notes", person="kari nordmann")["notes"] == [note]
        b.call(op="conversation", question="Hvordan motiverer jeg teamet?", answer="Veiledningen sier …")
        assert a.call(op="conversations")["titles"] == ["Hvordan motiverer jeg teamet?"]

        # A document indexed through one replica is answered by the other, which had the old generation
        # open.
        doc = tmp_path / "provisjon.md"
        doc.write_text("# Provisjon\n\nProvisjonen utbetales kvartalsvis etter salg.", encoding="utf-8")
        assert a.call(op="index", paths=[str(doc)])["generation"] == "g000002"
        after = b.call(op="ask", question="Når utbetales provisjonen?")
        assert after["generation"] == "g000002" and after["covered"]
        assert after["sources"][0].endswith("provisjon.md") and "kvartalsvis" in after["answer"]
        assert a.call(op="ask", question="Når utbetales provisjonen?")["sources"] == after["sources"]
    finally:
        a.close()
        b.close()
