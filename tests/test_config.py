import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.app import build_coach
from assistant.config import OFFLINE_ENVIRONMENT, Settings


def test_environment_overrides_nested_fields(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COACH_RETRIEVAL__K", "7")
    monkeypatch.setenv("COACH_EMBEDDINGS__MODE", "sentence_transformers")
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert settings.retrieval.k == 7
    assert settings.embeddings.mode == "sentence_transformers"


def test_invalid_values_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Settings(retrieval={"mode": "magic"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Settings(retrieval={"k": 10, "candidates": 5})  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Settings(vectorstore={"collection": "ab"})  # type: ignore[arg-type]


def test_every_field_is_described() -> None:
    def check(model: type) -> None:
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            assert field.description, f"{model.__name__}.{name}"
            annotation = field.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                check(annotation)

    check(Settings)


def test_building_the_coach_turns_telemetry_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in OFFLINE_ENVIRONMENT:
        monkeypatch.delenv(key, raising=False)
    build_coach(Settings(data_dir=tmp_path))
    for key, value in OFFLINE_ENVIRONMENT.items():
        assert os.environ[key] == value
