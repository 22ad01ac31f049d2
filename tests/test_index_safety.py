"""Index generations, interruption, checks, exact dense search (in process; fast)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.app import Coach, build_coach
from assistant.cli import main
from assistant.errors import IndexStateError
from assistant.index_check import full_check
from tests.conftest import make_settings
from tests.synthetic import write_clustered_notes

QUESTIONS = ["Hvilke tre deler har god tilbakemelding?", "Hva er kvartalsmålet til Kari?"]


def _interrupt_at(phase: str, after: int):  # type: ignore[no-untyped-def]
    def progress(current: str, done: int, total: int) -> None:
        if current == phase and done >= after:
            raise KeyboardInterrupt

    return progress


def _generation_dirs(coach: Coach) -> list[str]:
    return sorted(p.name for p in (coach.settings.data_dir / "index").iterdir() if p.is_dir())


@pytest.mark.parametrize(("phase", "after"), [("embed", 0), ("embed", 8), ("write", 0), ("write", 10)])
def test_ctrl_c_leaves_the_index_unchanged(
    writable_coach: Coach, tmp_path: Path, phase: str, after: int
) -> None:
    before_generation = writable_coach.index.current_name()
    before = [h.chunk.id for h in writable_coach.retrieve(QUESTIONS[0]).hits]
    notes = tmp_path / "notes"
    write_clustered_notes(notes, notes=3)
    with pytest.raises(KeyboardInterrupt):
        writable_coach.sync_index([notes], progress=_interrupt_at(phase, after))
    assert writable_coach.index.current_name() == before_generation
    assert _generation_dirs(writable_coach) == [before_generation]  # the partial folder is gone
    fresh = build_coach(make_settings(writable_coach.settings.data_dir))
    assert [h.chunk.id for h in fresh.retrieve(QUESTIONS[0]).hits] == before
    assert fresh.index.user_roots() == []  # the folder of the interrupted run was not remembered


def test_leftover_partial_generation_is_ignored_then_removed(writable_coach: Coach) -> None:
    root = writable_coach.settings.data_dir / "index"
    published = writable_coach.index.current_name()
    partial = root / "g000099"
    (partial / "chroma").mkdir(parents=True)
    (partial / "vectors.npy").write_bytes(b"\x93NUMPY garbage from a killed writer")
    reader = build_coach(make_settings(writable_coach.settings.data_dir))
    assert reader.retrieve(QUESTIONS[0]).covered
    assert reader.index.current_name() == published
    report = reader.sync_index()
    assert not report.published and report.added == 0  # nothing changed, no new generation
    assert not partial.exists()


def test_each_change_publishes_a_new_generation_and_keeps_the_previous(writable_coach: Coach,
                                                                        tmp_path: Path) -> None:
    first = writable_coach.index.current_name()
    doc = tmp_path / "a.md"
    doc.write_text("# Provisjon\n\nProvisjonen utbetales kvartalsvis.", encoding="utf-8")
    second = writable_coach.sync_index([doc])
    assert second.published and second.check["ok"] and second.generation != first
    doc.write_text("# Provisjon\n\nProvisjonen utbetales månedlig.", encoding="utf-8")
    third = writable_coach.sync_index()
    assert _generation_dirs(writable_coach) == [second.generation, third.generation]
    hit = writable_coach.retrieve("Når utbetales provisjonen?").hits[0]
    assert "månedlig" in hit.chunk.body  # the retriever follows the new generation


def test_broken_pointer_is_a_clear_error_and_a_sync_repairs_it(writable_coach: Coach) -> None:
    pointer = writable_coach.settings.data_dir / "index" / "CURRENT"
    pointer.write_text("g000777\n", encoding="utf-8")
    reader = build_coach(make_settings(writable_coach.settings.data_dir))
    with pytest.raises(IndexStateError, match="coach index"):
        reader.retrieve(QUESTIONS[0])
    report = reader.sync_index()
    assert report.published and report.added == report.chunks
    assert reader.retrieve(QUESTIONS[0]).covered


def test_dense_search_is_exact(coach: Coach) -> None:
    view = coach.index.view()
    stored = view.store._collection.get(include=["embeddings"])  # type: ignore[attr-defined]
    by_id = dict(zip(stored["ids"], stored["embeddings"], strict=True))
    matrix = np.vstack([by_id[i] for i in view.manifest.ids]).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    for question in QUESTIONS:
        query = np.asarray(coach.index.embeddings.embed_query(question), dtype=np.float32)
        scores = matrix @ query
        expected = sorted(range(len(scores)), key=lambda r: (-scores[r], r))[:10]
        got = coach.retrieve(question, k=10, mode="dense").hits
        assert [h.chunk.id for h in got] == [view.manifest.ids[r] for r in expected]
        assert [h.dense_similarity for h in got] == pytest.approx([float(scores[r]) for r in expected])


def test_approximate_search_is_used_only_above_the_exact_limit(writable_coach: Coach) -> None:
    settings = make_settings(writable_coach.settings.data_dir, retrieval={"exact_max_chunks": 0})
    approximate = build_coach(settings).retrieve(QUESTIONS[0], k=3, mode="dense")
    assert approximate.hits  # served by Chroma's HNSW


def test_check_passes_on_a_good_index_and_names_what_is_wrong(writable_coach: Coach, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = str(writable_coach.settings.data_dir)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("Kundebesøk planlegges i CRM hver fredag.", encoding="utf-8")
    (docs / "b.md").write_text("Onboarding av nye selgere tar tre uker.", encoding="utf-8")
    writable_coach.sync_index([docs])
    assert main(["--data-dir", data_dir, "index", "--check"]) == 0
    assert "Index check passed" in capsys.readouterr().out

    (docs / "b.md").unlink()  # the sources changed but nobody re-indexed
    view = writable_coach.index.view()
    tampered = view.vectors.matrix.copy()
    tampered[[0, 1]] = tampered[[1, 0]]  # two rows swapped: the vector file no longer fits the store
    np.save(view.generation.vectors_path, tampered)
    result = full_check(build_coach(make_settings(writable_coach.settings.data_dir)).index, QUESTIONS)
    problems = " | ".join(result.problems)
    assert not result.ok
    assert "1 indexed but gone" in problems
    assert "2 vectors in the vector file differ" in problems

    assert main(["--data-dir", data_dir, "index", "--check"]) == 1
    assert "FAILED" in capsys.readouterr().out
    assert main(["--data-dir", data_dir, "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["full_check"].startswith("FAILED")
    assert status["index"]["chunks"] == view.vectors.matrix.shape[0]
