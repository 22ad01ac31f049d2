"""Cut documents into chunks that follow their structure.

- Headings (``#`` .. ``######``) open sections; ``{#key}`` after a heading sets its stable key,
  otherwise the key is built from the slugs of the heading path (the level-1 title excluded).
- A section under an FAQ heading whose title is a question becomes one chunk: question and answer.
- Other sections are split on paragraphs into chunks of at most ``max_chars``; a longer paragraph
  is split on sentences. The heading path is kept as context for embedding and search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.ingest.loading import LoadedDocument
from assistant.schemas import Chunk, Kind
from assistant.text import guess_language, join_nonempty, slugify, split_sentences

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+\{#([^}\s]+)\})?\s*#*\s*$")
_FAQ_TITLE = re.compile(r"\b(faq|ofte stilte spørsmål|spørsmål og svar|frequently asked)\b", re.I)
_ENUMERATION = re.compile(r"^\s*\d+[.)]\s+")


@dataclass
class _Section:
    level: int
    title: str
    key: str
    paragraphs: list[str] = field(default_factory=list)
    parents: tuple[_Section, ...] = ()

    @property
    def in_faq(self) -> bool:
        return any(
            _FAQ_TITLE.search(s.title) or s.key.split("/")[0] == "faq" for s in (*self.parents, self)
        )


def clean_title(heading: str) -> str:
    """Drop a leading enumeration and a trailing colon.

    ``'1. Gi tilbakemelding:'`` becomes ``'Gi tilbakemelding'``.
    """
    return _ENUMERATION.sub("", heading).strip().rstrip(":").strip()


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _parse_sections(doc: LoadedDocument) -> tuple[str, list[_Section]]:
    """Return the document title and its sections in order (empty sections included)."""
    fallback_title = clean_title(doc.path.stem.replace("_", " ").replace("-", " "))
    title = ""
    root = _Section(level=0, title="", key=slugify(doc.path.stem))
    sections = [root]
    stack: list[_Section] = []
    for block in _paragraphs(doc.text):
        lines = block.splitlines()
        body: list[str] = []
        for line in lines:
            match = _HEADING.match(line.strip())
            if not match:
                body.append(line)
                continue
            if body:
                sections[-1].paragraphs.append("\n".join(body))
                body = []
            level, heading, explicit_key = len(match.group(1)), match.group(2), match.group(3)
            if level == 1 and not title:
                title = clean_title(heading)
                continue
            stack = [s for s in stack if s.level < level]
            key = explicit_key or "/".join([*(slugify(clean_title(s.title)) for s in stack),
                                             slugify(clean_title(heading))])
            section = _Section(level, heading, key, parents=tuple(stack))
            stack.append(section)
            sections.append(section)
        if body:
            sections[-1].paragraphs.append("\n".join(body))
    root.title = title or fallback_title
    return root.title, sections


def _pack(paragraphs: list[str], max_chars: int) -> list[str]:
    """Group paragraphs into bodies of at most max_chars; split a longer paragraph on sentences."""
    pieces: list[str] = []
    for paragraph in paragraphs:
        if len(paragraph) <= max_chars:
            pieces.append(paragraph)
            continue
        current = ""
        for sentence in split_sentences(paragraph):
            if current and len(current) + 1 + len(sentence) > max_chars:
                pieces.append(current)
                current = sentence
            else:
                current = f"{current} {sentence}".strip()
        if current:
            pieces.append(current)
    bodies: list[str] = []
    for piece in pieces:
        if bodies and len(bodies[-1]) + 2 + len(piece) <= max_chars:
            bodies[-1] = f"{bodies[-1]}\n\n{piece}"
        else:
            bodies.append(piece)
    return bodies


def chunk_document(doc: LoadedDocument, *, max_chars: int = 900, min_words: int = 2) -> list[Chunk]:
    """Cut one document into chunks.

    Args:
        doc: The loaded document.
        max_chars: Upper bound on a guidance chunk's body (an FAQ answer is never split).
        min_words: Paragraphs with fewer words are dropped as layout remnants.

    Returns:
        Chunks in document order, without duplicates.
    """
    doc_title, sections = _parse_sections(doc)
    doc_language = guess_language(doc.text[:5000])
    chunks: dict[str, Chunk] = {}
    for section in sections:
        paragraphs = [p for p in section.paragraphs if len(p.split()) >= min_words]
        if not paragraphs:
            continue
        title = clean_title(section.title)
        is_faq = section.in_faq and section.title.rstrip().endswith("?")
        kind: Kind = "faq" if is_faq else "guidance"
        heading_path = [clean_title(s.title) for s in section.parents]
        if is_faq:
            # The question is the context; the answer (without list bullets) is the quotable body.
            bodies = ["\n\n".join(re.sub(r"^\s*[•*-]\s+", "", p) for p in paragraphs)]
            context = title
        else:
            bodies = _pack(paragraphs, max_chars)
            context = join_nonempty([doc_title if section.level else "", *heading_path, title], " › ")
        for body in bodies:
            language = guess_language(body)
            chunk = Chunk(
                source=doc.source,
                path=str(doc.path),
                section=title or doc_title,
                section_key=section.key,
                kind=kind,
                language=doc_language if language == "und" else language,
                context=context,
                body=body,
            )
            chunks.setdefault(chunk.id, chunk)
    return list(chunks.values())
