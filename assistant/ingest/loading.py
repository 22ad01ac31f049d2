"""Load .md, .txt, .pdf and .docx files into Markdown-like text.

Every loader returns text in which headings are Markdown headings (``#``), so one chunker handles
all formats. A file that cannot be read raises :class:`DocumentLoadError`; :func:`load_paths` turns
that into a skipped file with a reason and goes on with the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import DocumentLoadError, InputError

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".docx")


@dataclass(frozen=True)
class LoadedDocument:
    """The text of one file.

    Attributes:
        path: Absolute path of the file.
        source: Short display name (the root folder's name and the path below it).
        text: Markdown-like text.
    """

    path: Path
    source: str
    text: str


@dataclass
class LoadReport:
    """What :func:`load_paths` found: the documents, and the files skipped with a reason."""

    documents: list[LoadedDocument] = field(default_factory=list)
    skipped: list[DocumentLoadError] = field(default_factory=list)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        # Norwegian files from older Windows tools are often cp1252; try it before giving up.
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentLoadError(str(path), "not UTF-8 or Windows-1252 text")


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentLoadError(str(path), "the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise DocumentLoadError(str(path), f"not a readable PDF ({exc})") from exc
    return "\n\n".join(p.strip() for p in pages if p.strip())


_HEADING_STYLES = ("heading", "overskrift")


def _read_docx(path: Path) -> str:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise DocumentLoadError(str(path), f"not a readable Word document ({exc})") from exc
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        name, _, level = style.lower().partition(" ")
        if name in _HEADING_STYLES and level.isdigit():
            lines.append(f"{'#' * min(int(level) + 1, 6)} {text}")
        elif style.lower() == "title":
            lines.append(f"# {text}")
        else:
            lines.append(text)
    return "\n\n".join(lines)


_READERS: dict[str, Callable[[Path], str]] = {
    ".md": _read_text,
    ".markdown": _read_text,
    ".txt": _read_text,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}


def load_file(path: Path, source: str | None = None) -> LoadedDocument:
    """Read one file.

    Args:
        path: The file.
        source: Display name; the file name when not given.

    Returns:
        The loaded document.

    Raises:
        DocumentLoadError: The file has an unsupported type, cannot be read, or holds no text.
    """
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentLoadError(
            str(path), f"unsupported file type (supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    try:
        text = reader(path)
    except OSError as exc:
        raise DocumentLoadError(str(path), exc.strerror or str(exc)) from exc
    if not text.strip():
        raise DocumentLoadError(str(path), "the file holds no text")
    return LoadedDocument(path=path.resolve(), source=source or path.name, text=text)


def _files_under(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
        if path.is_file() and not hidden and path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path


def discover(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """List the supported files under the given files and folders, with their display names.

    Args:
        paths: Files and folders.

    Returns:
        ``(file, display name)`` pairs, sorted and without duplicates.

    Raises:
        InputError: A path does not exist.
    """
    found: dict[Path, str] = {}
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            raise InputError(f"No such file or folder: {path}")
        if path.is_dir():
            for file in _files_under(path):
                found.setdefault(file.resolve(), f"{path.resolve().name}/{file.relative_to(path)}")
        else:
            found.setdefault(path.resolve(), path.name)
    return sorted(found.items())


def load_paths(paths: Iterable[Path]) -> LoadReport:
    """Load every supported file under paths; unreadable files are reported, not fatal.

    Args:
        paths: Files and folders.

    Returns:
        The loaded documents and the skipped files.
    """
    report = LoadReport()
    for file, source in discover(paths):
        try:
            report.documents.append(load_file(file, source))
        except DocumentLoadError as exc:
            report.skipped.append(exc)
    return report
