"""Section titles of the guidance, read from its ``{#key}`` headings (never hard-coded)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from assistant.errors import ConfigError
from assistant.feedback.models import Citation
from assistant.ingest.chunking import clean_title

_KEYED_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s+\{#([^}\s]+)\}\s*$")


def _drop_title_noise(title: str, noise: str) -> str:
    # The source repeats the document's subject ("Salgsledelse.") around some headings as a label;
    # the heading's own words are what a manager should see in a citation.
    segments = [s.strip() for s in title.split(". ") if s.strip()]
    kept = [s for s in segments if s.rstrip(".").lower() != noise.lower()]
    return ". ".join(kept or segments).rstrip(".")


class SectionTitles:
    """Maps section keys to readable titles from the knowledge files' keyed headings.

    Args:
        titles: Key to title.
    """

    def __init__(self, titles: dict[str, str]) -> None:
        self._titles = titles

    @classmethod
    def load(cls, paths: Iterable[Path]) -> SectionTitles:
        """Read the keyed headings of the Markdown files in paths (files or folders)."""
        titles: dict[str, str] = {}
        for path in paths:
            files = sorted(path.rglob("*.md")) if path.is_dir() else [path]
            for file in files:
                if file.suffix.lower() != ".md" or not file.is_file():
                    continue
                lines = file.read_text(encoding="utf-8").splitlines()
                h1 = next((line[2:] for line in lines if line.startswith("# ")), "")
                noise = re.split(r"[:.]", h1, maxsplit=1)[0].strip()
                for line in lines:
                    match = _KEYED_HEADING.match(line)
                    if match:
                        titles[match.group(2)] = _drop_title_noise(clean_title(match.group(1)), noise)
        return cls(titles)

    def citation(self, key: str) -> Citation:
        """The citation of one section.

        Raises:
            ConfigError: The knowledge has no heading with that key.
        """
        if key not in self._titles:
            raise ConfigError(f"the guidance has no section {key!r} (its headings need {{#{key}}})")
        return Citation(section=self._titles[key], section_key=key)

    def title(self, key: str) -> str:
        """The title of one section (see :meth:`citation`)."""
        return self.citation(key).section
