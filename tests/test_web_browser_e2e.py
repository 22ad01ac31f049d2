"""End to end in a real browser: Playwright drives Debian's chromium against a launched ``coach web``.

``make test`` installs the ``playwright`` package (never its own browser download) and, as root,
chromium through apt. Each tab is photographed into ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.config import PROJECT_ROOT
from tests.web_server import WebServer

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ANSWER = "#chat [data-testid='bot']"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "chromium is not installed (make install does it with apt-get when run as root)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is in the dev extra: make install"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, web_server: WebServer) -> Iterator[Any]:
    context = browser.new_context(locale="nb-NO", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.goto(web_server.url)
    page.wait_for_selector("#question textarea")
    yield page
    context.close()
    assert not problems, problems  # no script error, no alert() from a document


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def ask(page: Any, question: str) -> Any:
    """Ask in the chat and wait for the checked answer (it ends with the engine line)."""
    answers = page.locator(ANSWER).filter(has_text="Svart av:")
    before = answers.count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    expect(answers).to_have_count(before + 1)
    return answers.nth(before)


def sources_of(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#chat .thought-group .title").all_inner_texts()]


def text_field(page: Any, elem_id: str) -> Any:
    return page.locator(f"#{elem_id}").locator("textarea, input").first


def upload(page: Any, path: Path) -> None:
    page.get_by_role("tab", name="Kunnskap").click()
    page.locator("#upload input[type=file]").set_input_files(str(path))
    expect(page.locator("#kb-result")).to_contain_text("lagt til")


def test_ask_a_question_and_see_the_answer_with_its_sources(page: Any) -> None:
    answer = ask(page, "Hvordan gir jeg god tilbakemelding?")
    expect(answer).to_contain_text("God tilbakemelding har tre deler")
    expect(answer).to_contain_text("[1]")
    title = page.locator("#chat .thought-group .title").filter(has_text="[1] Salgsledelse. Gi tilbakemelding")
    expect(title).to_have_count(1)
    title.click()  # open the source: the quoted text with the same [1]
    expect(page.locator("#chat .thought-group").first).to_contain_text("«Gode salgsledere gir alltid")
    page.locator("#chat button[aria-label='Liker']").first.click()
    expect(page.locator("[data-testid='toast-body']").first).to_contain_text("merket som nyttig")
    shot(page, "chat")


def test_a_follow_up_question_uses_the_conversation(page: Any) -> None:
    ask(page, "Hvordan holder jeg gode en-til-en møter med selgerne?")
    follow_up = ask(page, "hva mener du med det?")
    expect(follow_up).to_contain_text("[1]")
    assert any("en-til-en" in s for s in sources_of(page)[1:]), sources_of(page)


def test_draft_feedback_from_the_form_and_see_the_lint(page: Any) -> None:
    page.get_by_role("tab", name="Tilbakemelding").click()
    text_field(page, "fb-person").fill("Kari")
    text_field(page, "fb-problem").fill("Du kom for sent til kundemøtet på tirsdag.")
    text_field(page, "fb-consequence").fill("Kunden måtte vente i ti minutter.")
    text_field(page, "fb-improvement").fill("Neste gang: vær på plass ti minutter før.")
    page.locator("#fb-make").click()
    draft = text_field(page, "fb-draft")
    expect(draft).to_have_value(re.compile("Kari"))
    expect(page.locator("#fb-parts")).to_contain_text("✓ Problem")
    expect(page.locator("#fb-parts")).to_contain_text("✗ Positivt")
    draft.fill(draft.input_value() + "\nDu er alltid sen.")
    page.locator("#fb-lint").click()
    expect(page.locator("#fb-findings")).to_contain_text("«alltid»")
    expect(page.locator("#fb-highlight")).to_contain_text("alltid")
    expect(page.locator("#fb-highlight")).to_contain_text("bastant ord")
    page.locator("#fb-md").click()
    expect(page.locator("#fb-file")).to_contain_text("tilbakemelding-Kari")
    shot(page, "feedback")


def test_one_to_one_agenda_tick_an_action_and_save(page: Any) -> None:
    page.get_by_role("tab", name="1:1").click()
    person = page.locator("#oo-person input")
    person.fill("Per Hansen")
    person.press("Enter")
    page.locator("#oo-load").click()
    expect(page.locator("#oo-agenda")).to_contain_text("Neste en-til-en med Per Hansen")
    text_field(page, "oo-new-actions").fill("Ring tre nye kunder | 2030-01-15")
    page.locator("#oo-save").click()
    expect(page.locator("#oo-message")).to_contain_text("1 nye")
    expect(page.locator("#oo-actions")).to_contain_text("Ring tre nye kunder (frist 2030-01-15)")
    page.locator("#oo-actions label").filter(has_text="Ring tre nye kunder").click()
    page.locator("#oo-save").click()
    expect(page.locator("#oo-message")).to_contain_text("1 tiltak gjort")
    shot(page, "one-to-one")


def test_upload_a_document_and_get_an_answer_from_it(page: Any, tmp_path: Path) -> None:
    doc = tmp_path / "kaffe.md"
    doc.write_text(
        "# Kaffemaskinen på salgskontoret\n\nKaffemaskinen på salgskontoret rengjøres hver fredag "
        "av den som har kaffevakt den uka.\n",
        encoding="utf-8",
    )
    upload(page, doc)
    expect(page.locator("#kb-sources")).to_contain_text("uploads/kaffe.md")
    shot(page, "knowledge")
    page.get_by_role("tab", name="Spør").click()
    answer = ask(page, "Når rengjøres kaffemaskinen på salgskontoret?")
    expect(answer).to_contain_text("hver fredag")
    assert any("uploads/kaffe.md" in s for s in sources_of(page)), sources_of(page)


def test_a_script_inside_an_uploaded_document_does_not_run(page: Any, tmp_path: Path) -> None:
    doc = tmp_path / "sikkerhet.md"
    doc.write_text(
        "# Sikkerhetsrutiner ved kundebesøk\n\n"
        "Ved kundebesøk på fabrikker gjelder sikkerhetsrutinene "
        "<script>window.__pwned = 1; alert(1)</script> "
        'for hjelm og vernesko <img src=x onerror="window.__pwned = 2"> hele tiden.\n',
        encoding="utf-8",
    )
    upload(page, doc)
    page.get_by_role("tab", name="Spør").click()
    answer = ask(page, "Hvilke sikkerhetsrutiner gjelder ved kundebesøk på fabrikker?")
    expect(answer).to_contain_text("<script>window.__pwned")  # shown as text…
    assert page.evaluate("() => window.__pwned") is None  # …and never run
    assert page.locator("#chat script, #chat img[src='x']").count() == 0


def test_a_deleted_conversation_is_gone_after_a_reload(page: Any, web_server: WebServer) -> None:
    question = "Hva er salgsledelse?"
    ask(page, question)
    page.reload()
    entry = page.locator("#conv-list label").filter(has_text=question)
    expect(entry).to_have_count(1)  # saved: still there after a reload
    entry.click()
    expect(page.locator(ANSWER).first).to_contain_text("Salgsledelse")  # reopened
    page.locator("#conv-delete").click()
    expect(entry).to_have_count(0)
    page.reload()
    page.wait_for_selector("#question textarea")
    expect(page.locator("#conv-list")).to_be_visible()
    expect(page.locator("#conv-list label").filter(has_text=question)).to_have_count(0)


def test_status_tab_shows_the_index_and_engine(page: Any) -> None:
    page.get_by_role("tab", name="Status").click()
    expect(page.locator("#status")).to_contain_text("Versjon")
    expect(page.locator("#status")).to_contain_text("extractive")
    shot(page, "status")
