"""Prompt and answer templates, kept as files in ``prompts/`` and rendered strictly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from assistant.errors import ConfigError


class PromptLibrary:
    """Loads ``<name>.j2`` templates from a folder; a variable left out fails loudly.

    Args:
        folder: The folder with the templates.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # output is Markdown/plain text for a chat, not HTML
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, name: str, /, **variables: Any) -> str:
        """Render the template ``<name>.j2``.

        Args:
            name: Template name without the ``.j2`` suffix, e.g. ``answer.nb.md``.
            **variables: The template's variables; every one it uses must be given.

        Returns:
            The rendered text, stripped.

        Raises:
            ConfigError: The template is missing, broken, or uses a variable not given.
        """
        try:
            template = self._env.get_template(f"{name}.j2")
            return template.render(**variables).strip()
        except jinja2.TemplateNotFound as exc:
            raise ConfigError(f"prompt template {name}.j2 not found in {self.folder}") from exc
        except jinja2.UndefinedError as exc:
            raise ConfigError(f"prompt template {name}.j2: {exc.message}") from exc
        except jinja2.TemplateError as exc:
            raise ConfigError(f"prompt template {name}.j2 is broken: {exc}") from exc
