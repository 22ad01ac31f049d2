"""Shared fixtures: real small components (the bundled e5 model loads in milliseconds)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.app import Coach, build_coach
from assistant.config import PROJECT_ROOT, Settings

KNOWLEDGE = PROJECT_ROOT / "knowledge"

# The `llm_server` fixture: a real llama.cpp server with SmolLM2, started once per session on demand.
# The `web_server` fixture: a real `coach web` process over a copy of the index (end-to-end tests).
# The `chroma_server` and `postgres_server` fixtures: a real `chroma run` and a throwaway PostgreSQL
# cluster, started once per session on demand (scale-out tests).
pytest_plugins = ["tests.llm_server", "tests.web_server", "tests.chroma_server", "tests.postgres_server"]


@pytest.fixture(autouse=True)
def _no_user_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's COACH_* variables must not change what the tests see.
    import os

    for key in list(os.environ):
        if key.startswith("COACH_"):
            monkeypatch.delenv(key)


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def _built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("index")
    build_coach(make_settings(data_dir)).sync_index()
    return data_dir


@pytest.fixture(scope="session")
def coach(_built_index: Path) -> Coach:
    """A coach over the bundled knowledge; read-only use only."""
    return build_coach(make_settings(_built_index))


@pytest.fixture
def writable_coach(tmp_path: Path, _built_index: Path) -> Iterator[Coach]:
    """A coach over a private copy of the built index, free to modify."""
    data_dir = tmp_path / "data"
    shutil.copytree(_built_index, data_dir)
    yield build_coach(make_settings(data_dir))
