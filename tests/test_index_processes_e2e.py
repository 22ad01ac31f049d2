"""End-to-end index tests across OS processes: repeatable rankings and SIGKILL at many moments.

Slow-ish (about a minute together): they start dozens of real ``coach`` processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from assistant.app import build_coach
from assistant.errors import IndexMissingError
from tests.conftest import make_settings
from tests.synthetic import write_clustered_notes

QUESTIONS = [
    "Hvilke tre deler har god tilbakemelding?",
    "Hva er kvartalsmålet og status for Kari?",
    "Hvordan følger vi opp tilbud til Hansen AS?",
    "en-til-en coaching neste uke",
    "How do I motivate my sales team?",
]
_RANKER = """
import json, sys
from pathlib import Path
from assistant.app import build_coach
from assistant.config import Settings
coach = build_coach(Settings(data_dir=Path(sys.argv[1])))
print(json.dumps({q: [h.chunk.id for h in coach.retrieve(q, k=10, mode=m).hits]
                  for q in json.loads(sys.argv[2]) for m in ("dense",)}))
"""


@pytest.fixture(scope="module")
def clustered_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("clustered")
    write_clustered_notes(root / "notes", notes=64)
    data_dir = root / "data"
    report = build_coach(make_settings(data_dir)).sync_index([root / "notes"])
    assert report.chunks >= 400
    return data_dir


def _exact_reference(data_dir: Path) -> dict[str, list[str]]:
    """Exact cosine top-10 computed from the vectors Chroma stores (not from the vector file)."""
    coach = build_coach(make_settings(data_dir))
    view = coach.index.view()
    stored = view.store._collection.get(include=["embeddings"])  # type: ignore[attr-defined]
    by_id = dict(zip(stored["ids"], stored["embeddings"], strict=True))
    ids = view.manifest.ids
    matrix = np.vstack([by_id[i] for i in ids]).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    reference = {}
    for question in QUESTIONS:
        scores = matrix @ np.asarray(coach.index.embeddings.embed_query(question), dtype=np.float32)
        reference[question] = [ids[r] for r in sorted(range(len(ids)), key=lambda r: (-scores[r], r))[:10]]
    return reference


def test_dense_ranking_is_exact_in_30_fresh_processes(clustered_index: Path) -> None:
    reference = _exact_reference(clustered_index)
    command = [sys.executable, "-c", _RANKER, str(clustered_index), json.dumps(QUESTIONS)]

    def run(_: int) -> dict[str, list[str]]:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    with ThreadPoolExecutor(max_workers=2) as pool:
        rankings = list(pool.map(run, range(30)))
    differences = sum(r[q] != reference[q] for r in rankings for q in QUESTIONS)
    assert len(rankings) == 30 and differences == 0


# -- SIGKILL at many moments ---------------------------------------------------------------------
_PROGRESS = re.compile(r"(Embedding|Writing):\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")


def _index_process(data_dir: Path, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "COACH_EMBEDDINGS__BATCH_SIZE": "4", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", "--data-dir", str(data_dir), "index", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True,
    )


def _kill_when(process: subprocess.Popen[bytes], phase: str, at: float) -> str:
    """SIGKILL the process at a moment: ('time', seconds) or (phase name, chunks done)."""
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    started, seen = time.monotonic(), ""
    while process.poll() is None:
        chunk = process.stderr.read() or b""
        seen += chunk.decode(errors="replace")
        reached = [int(m.group(2)) for m in _PROGRESS.finditer(seen) if m.group(1) == phase]
        if (phase == "time" and time.monotonic() - started >= at) or (reached and max(reached) >= at):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return "killed"
        time.sleep(0.005)
    return f"finished before the kill (rc {process.returncode})"


def _top3(data_dir: Path) -> dict[str, list[tuple[str, str]]]:
    coach = build_coach(make_settings(data_dir))
    return {
        q: [(h.chunk.source, h.chunk.body) for h in coach.retrieve(q, k=3).hits] for q in QUESTIONS
    }


# (phase, moment): process start and imports, the first embedding batches, the middle, the last batch,
# while writing the store, after writing (check, manifest, publish). Phase moments are fractions of
# the chunks to embed or write; time moments are seconds after the start.
_MOMENTS = [("time", 0.0), ("time", 0.6), ("time", 1.2), ("Embedding", 0.05), ("Embedding", 0.12),
            ("Embedding", 0.5), ("Embedding", 0.9), ("Embedding", 1.0), ("Writing", 0.0),
            ("Writing", 1.0), ("time", 3.0), ("time", 3.6)]


def test_sigkill_at_any_moment_then_recovery_equals_a_clean_build(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    write_clustered_notes(notes, notes=6)
    clean_dir = tmp_path / "clean"
    clean = build_coach(make_settings(clean_dir)).sync_index([notes])
    expected = _top3(clean_dir)
    outcomes = []
    for number, (phase, moment) in enumerate(_MOMENTS):
        data_dir = tmp_path / f"killed-{number}"
        at = moment if phase == "time" else max(1, round(moment * clean.chunks))
        outcomes.append(_kill_when(_index_process(data_dir, notes), phase, at))
        # Right after the kill a reader sees either no index or a complete one, never a partial one.
        with contextlib.suppress(IndexMissingError):
            assert _top3(data_dir) == expected
        recovered = build_coach(make_settings(data_dir)).sync_index([notes])
        assert recovered.chunks == clean.chunks
        assert _top3(data_dir) == expected, (phase, moment)
        leftovers = sorted(p.name for p in (data_dir / "index").iterdir() if p.is_dir())
        assert leftovers == [recovered.generation]
    assert outcomes.count("killed") >= 10, outcomes


def test_sigkill_while_adding_to_a_published_index_keeps_the_old_answers(tmp_path: Path) -> None:
    base = tmp_path / "base"
    write_clustered_notes(base, notes=2, seed=1)
    extra = tmp_path / "extra"
    write_clustered_notes(extra, notes=8, seed=2)
    data_dir = tmp_path / "data"
    build_coach(make_settings(data_dir)).sync_index([base])
    before = _top3(data_dir)
    for phase, at in [("Embedding", 8), ("Embedding", 40), ("Writing", 0)]:
        assert _kill_when(_index_process(data_dir, extra), phase, at) == "killed"
        assert _top3(data_dir) == before  # the published generation still answers as before
    clean_dir = tmp_path / "clean"
    build_coach(make_settings(clean_dir)).sync_index([base, extra])
    build_coach(make_settings(data_dir)).sync_index([extra])
    assert _top3(data_dir) == _top3(clean_dir)
