"""Language-model backends behind LangChain's :class:`BaseChatModel`, plus error triage and a probe.

Every provider's package is imported only when that provider is chosen, so a coach without an LLM
never pays for (or needs) the client libraries. The API key lives in a ``SecretStr`` and is unwrapped
only inside the client; nothing here puts it in a message.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from assistant.config import LLMSettings
from assistant.errors import BackendError, ConfigError, cause_chain

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

#: Where each provider listens when ``base_url`` is empty.
DEFAULT_BASE_URLS = {
    "openai": "https://api.openai.com/v1",
    "ollama": "http://localhost:11434",
}

#: Short reasons for a failed LLM call; the chain records them as the fallback reason.
LLMErrorKind = Literal["timeout", "unreachable", "server_error", "bad_response", "error"]


@dataclass(frozen=True)
class LLMProbe:
    """The outcome of a quick reachability check.

    Attributes:
        reachable: The server answered its model list (or the GGUF file is there).
        detail: One line for humans; never contains the API key.
        model_listed: Whether the configured model is in the server's list; ``None`` if unknown.
    """

    reachable: bool
    detail: str
    model_listed: bool | None = None


def effective_base_url(settings: LLMSettings) -> str:
    """Return the configured base URL, or the provider's default when it is empty.

    Args:
        settings: The LLM settings.

    Returns:
        A URL without a trailing slash (empty for providers that have none).
    """
    return settings.base_url or DEFAULT_BASE_URLS.get(settings.provider, "")


def redact_url(url: str) -> str:
    """Drop a ``user:password@`` part from a URL so it can be shown.

    Args:
        url: Any URL.

    Returns:
        The URL without credentials.
    """
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _needs_model(settings: LLMSettings) -> str:
    model = settings.model.strip()
    if not model:
        raise ConfigError(f"COACH_LLM__MODEL must be set for provider {settings.provider}")
    return model


def _openai_model(settings: LLMSettings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise BackendError("provider openai needs langchain-openai: pip install langchain-openai") from exc
    model = _needs_model(settings)
    key = settings.api_key
    if not key.get_secret_value():
        if not settings.base_url:
            raise ConfigError("provider openai without COACH_LLM__BASE_URL needs COACH_LLM__API_KEY")
        # The OpenAI client refuses to start without some key; local servers ignore it.
        key = type(key)("not-needed")
    host = urlsplit(effective_base_url(settings)).hostname or ""
    # langchain-openai sends max_completion_tokens, which llama.cpp's server (and other older
    # OpenAI-compatible servers) ignore: they need max_tokens too. OpenAI and Azure themselves reject
    # max_tokens for reasoning models, so they get only the new name.
    official = host == "api.openai.com" or host.endswith(".openai.azure.com")
    return ChatOpenAI(
        model=model,
        base_url=settings.base_url or None,
        api_key=key,
        timeout=settings.timeout_s,
        max_retries=settings.max_retries,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        extra_body=None if official else {"max_tokens": settings.max_tokens},
    )


def _ollama_model(settings: LLMSettings) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError as exc:
        raise BackendError("provider ollama needs langchain-ollama: pip install langchain-ollama") from exc
    return ChatOllama(
        model=_needs_model(settings),
        base_url=effective_base_url(settings),
        temperature=settings.temperature,
        num_predict=settings.max_tokens,
        # httpx applies this to connect, read and write separately, so a stream may take longer in
        # total; it bounds each silence, which is what a stuck server looks like.
        client_kwargs={"timeout": settings.timeout_s},
    )


def _llamacpp_model(settings: LLMSettings) -> BaseChatModel:
    try:
        import llama_cpp  # noqa: F401  # imported here only to give the install hint
    except ImportError as exc:
        raise BackendError(
            "provider llamacpp needs llama-cpp-python: pip install 'salgscoach[llamacpp]'"
        ) from exc
    from assistant.backends.llamacpp_chat import LlamaCppChat

    return LlamaCppChat(
        model_path=_needs_model(settings),
        n_ctx=settings.n_ctx,
        n_threads=settings.n_threads or None,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        timeout_s=settings.timeout_s,
    )


def make_chat_model(settings: LLMSettings) -> BaseChatModel | None:
    """Create the configured chat model.

    Construction does not contact the server (except ``llamacpp``, which loads the file), so an
    unreachable server shows up at the first call; see :func:`probe_llm`.

    Args:
        settings: The LLM settings.

    Returns:
        A LangChain chat model, or ``None`` for provider ``none``.

    Raises:
        ConfigError: A required setting (model, key) is missing or the GGUF file does not exist.
        BackendError: The provider's package is missing or the model cannot be loaded.
    """
    match settings.provider:
        case "none":
            return None
        case "openai":
            return _openai_model(settings)
        case "ollama":
            return _ollama_model(settings)
        case "llamacpp":
            return _llamacpp_model(settings)


def _error_status(exc: BaseException) -> int | None:
    # SDK errors carry the HTTP status themselves or on their response; a JSON error on a 200
    # answer also carries a response, which is not a server error.
    for code in (
        getattr(exc, "status_code", None),
        getattr(getattr(exc, "response", None), "status_code", None),
    ):
        if isinstance(code, int) and code >= 400:
            return code
    return None


def _classify_one(exc: BaseException) -> LLMErrorKind | None:
    from langchain_core.exceptions import (
        ModelAPIError,
        ModelConnectionError,
        ModelTimeoutError,
        OutputParserException,
    )

    # Only look at client libraries that are already imported: an exception cannot come from a
    # module that was never loaded, and importing openai just to compare types would be slow.
    httpx: Any = sys.modules.get("httpx")
    openai: Any = sys.modules.get("openai")
    timeouts: list[type[BaseException]] = [ModelTimeoutError, TimeoutError]
    unreachable: list[type[BaseException]] = [ModelConnectionError, ConnectionError]
    bad: list[type[BaseException]] = [OutputParserException, json.JSONDecodeError]
    if httpx is not None:
        timeouts.append(httpx.TimeoutException)
        unreachable.append(httpx.NetworkError)
        bad.append(httpx.DecodingError)
    if openai is not None:
        timeouts.append(openai.APITimeoutError)
        unreachable.append(openai.APIConnectionError)
        bad.append(openai.APIResponseValidationError)
    # Timeouts first: openai's APITimeoutError is also an APIConnectionError.
    if isinstance(exc, tuple(timeouts)):
        return "timeout"
    if isinstance(exc, tuple(unreachable)):
        return "unreachable"
    if isinstance(exc, ModelAPIError) or _error_status(exc) is not None:
        return "server_error"
    if isinstance(exc, tuple(bad)):
        return "bad_response"
    return None


def classify_llm_error(exc: BaseException) -> LLMErrorKind:
    """Name the kind of an LLM failure in one word (the chain's fallback reason).

    ``timeout``: no answer in time. ``unreachable``: no connection (server down, wrong port).
    ``server_error``: the server answered with an HTTP error status (5xx, but also 4xx such as an
    unknown model or a prompt over the context). ``bad_response``: an answer that could not be read.
    ``error``: anything else.

    Args:
        exc: The exception raised by a chat model call (or a wrapper around it).

    Returns:
        One of ``timeout``, ``unreachable``, ``server_error``, ``bad_response``, ``error``.
    """
    # Wrappers (ours or a library's) keep the transport error as cause or context.
    for candidate in cause_chain(exc, limit=8):
        kind = _classify_one(candidate)
        if kind is not None:
            return kind
    return "error"


def _model_in_list(settings: LLMSettings, payload: Any) -> bool | None:
    if not isinstance(payload, dict):
        return None
    if settings.provider == "ollama":
        entries = payload.get("models")
        names = {str(e.get("name") or e.get("model")) for e in entries or [] if isinstance(e, dict)}
        wanted = settings.model if ":" in settings.model else f"{settings.model}:latest"
        return settings.model in names or wanted in names
    entries = payload.get("data")
    if not isinstance(entries, list):
        return None
    return settings.model in {str(e.get("id")) for e in entries if isinstance(e, dict)}


def _probe_gguf(settings: LLMSettings) -> LLMProbe:
    path = Path(settings.model).expanduser()
    if not path.is_file():
        return LLMProbe(False, f"llamacpp: model file not found: {path}", False)
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != b"GGUF":
        return LLMProbe(False, f"llamacpp: {path.name} is not a GGUF file", False)
    return LLMProbe(True, f"llamacpp: {path}", True)


def probe_llm(settings: LLMSettings, timeout_s: float = 2.0) -> LLMProbe:
    """Check quickly whether the configured LLM can be used, without generating anything.

    openai: GET ``{base_url}/models``; ollama: GET ``{base_url}/api/tags``; llamacpp: the GGUF file
    exists and starts with the GGUF magic bytes.

    Args:
        settings: The LLM settings.
        timeout_s: Limit for the HTTP request.

    Returns:
        Whether the server answered, a one-line detail, and whether it lists the configured model.
    """
    if settings.provider == "none":
        return LLMProbe(False, "no LLM configured")
    if settings.provider == "llamacpp":
        return _probe_gguf(settings)
    import httpx

    base = effective_base_url(settings)
    url = f"{base}/api/tags" if settings.provider == "ollama" else f"{base}/models"
    shown = redact_url(url)
    headers = {}
    if settings.provider == "openai" and settings.api_key.get_secret_value():
        headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    try:
        response = httpx.get(url, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return LLMProbe(False, f"{settings.provider} at {shown}: {classify_llm_error(exc)}")
    if response.status_code != 200:
        hint = " (does the base URL end in /v1?)" if response.status_code == 404 else ""
        return LLMProbe(False, f"{settings.provider} at {shown}: HTTP {response.status_code}{hint}")
    try:
        listed = _model_in_list(settings, response.json())
    except ValueError:
        listed = None
    note = {
        True: "model listed",
        False: f"model {settings.model!r} not listed",
        None: "model list unreadable",
    }
    return LLMProbe(True, f"{settings.provider} at {redact_url(base)}: reachable, {note[listed]}", listed)
