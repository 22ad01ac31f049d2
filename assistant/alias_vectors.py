"""Vectors of the question aliases, for matching a question to them by meaning as well as by words.

Embedding the ~600 bundled alias questions takes seconds, too long for every start. The vectors of
the bundled file ship beside it (``knowledge/questions.vectors.npz``, written by ``make aliases``);
a file is only used when it was made by the same embedding model from exactly the same alias file
(both recorded in it). Otherwise (a user's own alias file, another model) the vectors are embedded
once and kept under ``DATA_DIR/cache``, keyed the same way.

Run ``python -m assistant.alias_vectors`` to rewrite the shipped file after editing the aliases.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
from langchain_core.embeddings import Embeddings

from assistant.aliases import Alias, load_aliases
from assistant.backends.embeddings import embedding_model_id
from assistant.errors import ConfigError

log = logging.getLogger(__name__)
Vectors = npt.NDArray[np.float32]


def shipped_path(aliases_path: Path) -> Path:
    """Where the vectors of an alias file ship: beside it, ``<stem>.vectors.npz``."""
    return aliases_path.with_name(f"{aliases_path.stem}.vectors.npz")


def _fingerprint(aliases_path: Path) -> str:
    return hashlib.sha256(aliases_path.read_bytes()).hexdigest()


def _questions(aliases: list[Alias]) -> list[str]:
    return [q for alias in aliases for q in alias.questions]


def _read(path: Path, fingerprint: str, model: str, rows: int) -> Vectors | None:
    """The vectors in ``path`` when they were made from this file by this model, else None."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["fingerprint"]) != fingerprint or str(data["model"]) != model:
                return None
            vectors = np.asarray(data["vectors"], dtype=np.float32)
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None  # missing, foreign or damaged (a crash mid-write): embed again
    return vectors if vectors.ndim == 2 and vectors.shape[0] == rows else None


def write_vectors(path: Path, vectors: Vectors, fingerprint: str, model: str) -> None:
    """Write vectors with what they were made from (float16: the matching needs no more)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A partial file of its own (two processes or threads filling the same cache never share one),
    # renamed into place: readers never see half a file.
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    partial = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(
                fh, vectors=vectors.astype(np.float16), fingerprint=np.str_(fingerprint), model=np.str_(model)
            )
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def embed_questions(aliases: list[Alias], embeddings: Embeddings) -> Vectors:
    """Embed every alias question as a query (questions are matched to questions)."""
    questions = _questions(aliases)
    if not questions:
        return np.zeros((0, 0), dtype=np.float32)
    # embed_query per question: e5 embeds queries with the "query: " prefix, which is what a
    # question-to-question comparison wants; documents would get "passage: ".
    return np.asarray([embeddings.embed_query(q) for q in questions], dtype=np.float32)


def load_alias_vectors(
    aliases_path: Path | None, aliases: list[Alias], embeddings: Embeddings, cache_dir: Path
) -> Vectors | None:
    """The alias questions' vectors, row-aligned with the questions of ``aliases`` in file order.

    Args:
        aliases_path: The alias file (None: no aliases, no vectors).
        aliases: The aliases read from it.
        embeddings: The index's embedding model.
        cache_dir: Where vectors embedded here are kept (``DATA_DIR/cache``).

    Returns:
        The vectors, or None without aliases.
    """
    if aliases_path is None or not aliases:
        return None
    fingerprint, model = _fingerprint(aliases_path), embedding_model_id(embeddings)
    rows = len(_questions(aliases))
    # The model is part of the name: two models' vectors of one file never overwrite each other.
    cached = cache_dir / f"aliases-{fingerprint[:16]}-{hashlib.sha256(model.encode()).hexdigest()[:8]}.npz"
    for candidate in (shipped_path(aliases_path), cached):
        vectors = _read(candidate, fingerprint, model, rows)
        if vectors is not None:
            return vectors
    log.info("embedding %d alias questions (once; kept under %s)", rows, cache_dir)
    vectors = embed_questions(aliases, embeddings)
    try:
        write_vectors(cached, vectors, fingerprint, model)
    except OSError as exc:  # a read-only data dir: match anyway, embed again next time
        log.warning("could not keep the alias vectors: %s", exc)
    return vectors


def main(argv: list[str] | None = None) -> int:
    """Rewrite the shipped vectors of an alias file (default: the bundled one) with the default model."""
    from assistant.backends.embeddings import make_embeddings
    from assistant.config import Settings

    settings = Settings()
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else settings.retrieval.aliases
    if path is None:
        raise ConfigError("no alias file: pass one, or set COACH_RETRIEVAL__ALIASES")
    embeddings = make_embeddings(settings.embeddings)
    aliases = load_aliases(path)
    vectors = embed_questions(aliases, embeddings)
    write_vectors(shipped_path(path), vectors, _fingerprint(path), embedding_model_id(embeddings))
    print(f"{shipped_path(path)}: {vectors.shape[0]} questions, model {embedding_model_id(embeddings)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
