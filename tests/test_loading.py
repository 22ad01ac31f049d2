from pathlib import Path

import pytest

from assistant.errors import DocumentLoadError, InputError
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loading import discover, load_file, load_paths


def _pdf(path: Path, lines: list[str]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.multi_cell(0, 10, line)
        pdf.ln(5)
    pdf.output(str(path))


def test_markdown_and_cp1252_text(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Tittel\n\nGod tilbakemelding.", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes("Møter hver uke gir bedre oppfølging.".encode("cp1252"))
    texts = {d.source: d.text for d in load_paths([tmp_path]).documents}
    assert texts[f"{tmp_path.name}/a.md"].startswith("# Tittel")
    assert texts[f"{tmp_path.name}/b.txt"] == "Møter hver uke gir bedre oppfølging."


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    path = tmp_path / "guide.pdf"
    _pdf(path, ["Coaching of sellers happens weekly.", "Feedback has three parts."])
    doc = load_file(path)
    assert "Coaching of sellers happens weekly." in doc.text
    assert "Feedback has three parts." in doc.text


def test_docx_headings_become_sections(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Håndbok", level=0)
    document.add_heading("Oppfølging", level=1)
    document.add_paragraph("Vi følger opp hver selger hver uke med en samtale.")
    path = tmp_path / "handbok.docx"
    document.save(str(path))
    doc = load_file(path)
    assert "# Håndbok" in doc.text and "## Oppfølging" in doc.text
    chunk = chunk_document(doc)[0]
    assert chunk.section == "Oppfølging" and chunk.section_key == "oppfolging"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"   \n", "no text"),
        ("broken.pdf", b"%PDF-1.4 this is not a pdf", "not a readable PDF"),
        ("broken.docx", b"not a zip", "not a readable Word document"),
        ("binary.txt", bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 3, "not UTF-8"),
        ("table.xlsx", b"whatever", "unsupported file type"),
    ],
)
def test_unreadable_files_raise_naming_the_file(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentLoadError) as info:
        load_file(path)
    assert name in str(info.value) and reason in str(info.value)


def test_bad_files_are_skipped_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("Ukentlige møter med selgerne.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"garbage")
    (tmp_path / ".hidden.md").write_text("secret notes", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    report = load_paths([tmp_path])
    assert [d.path.name for d in report.documents] == ["good.md"]
    assert sorted(Path(e.path).name for e in report.skipped) == ["broken.pdf", "empty.txt"]


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No such file or folder"):
        discover([tmp_path / "nope"])
