"""The «Tilbakemelding» tab: the four-part form or free notes → an editable draft, linted as it stands."""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.feedback.draft import FeedbackDrafter
from assistant.feedback.inputs import check_text
from assistant.feedback.models import PARTS, FeedbackDraft, LintResult
from assistant.notebook import Notebook
from assistant.web import edge, render
from assistant.web.files import TempFiles
from assistant.web.strings import Texts


class FeedbackTab:
    """Handlers and layout of the feedback studio.

    Args:
        drafter: The feedback drafter (its ``linter`` is the lint).
        notebook: Where a draft is saved for the person.
        files: Writes the downloads.
        texts: The UI texts.
    """

    def __init__(self, drafter: FeedbackDrafter, notebook: Notebook, files: TempFiles, texts: Texts) -> None:
        self.drafter = drafter
        self.notebook = notebook
        self.files = files
        self.t = texts

    # -- pure views of a lint result --------------------------------------------------------------
    def parts_markdown(self, parts: dict[str, bool]) -> str:
        """Which of the four parts the text has, as one line of badges."""
        badges = []
        for part in PARTS:
            # ✓/✗ rather than emoji: they render with the fonts every system has.
            mark, state = ("✓", "fb_part_present") if parts.get(part) else ("✗", "fb_part_missing")
            badges.append(f"{mark} {self.t('fb_part_' + part)} ({self.t(state)})")
        return "**" + self.t("fb_parts") + ":** " + " · ".join(badges)

    def highlights(self, text: str, result: LintResult) -> list[tuple[str, str | None]]:
        """The text cut into runs, the flagged words labelled with their rule's name (for HighlightedText)."""
        spans = sorted((f.start, f.end, f.rule) for f in result.findings if f.end > f.start)
        runs: list[tuple[str, str | None]] = []
        at = 0
        for start, end, rule in spans:
            if start < at:  # overlapping findings: the first one keeps the words
                continue
            if start > at:
                runs.append((text[at:start], None))
            runs.append((text[start:end], self.t(f"fb_rule_{rule}")))
            at = end
        if at < len(text):
            runs.append((text[at:], None))
        return runs

    def findings_markdown(self, result: LintResult, questions: list[str] | None = None) -> str:
        """Each finding's message and suggestion; then questions about missing parts, if any."""
        lines = [f"#### {self.t('fb_findings')}"]
        if not result.findings:
            lines.append(self.t("fb_no_findings"))
        for finding in result.findings:
            lines.append(f"- {render.escape(finding.message)}  \n  *{render.escape(finding.suggestion)}*")
        if questions:
            lines += ["", f"#### {self.t('fb_questions')}", *(f"- {render.escape(q)}" for q in questions)]
        return "\n".join(lines)

    # -- handlers ---------------------------------------------------------------------------------
    def make_draft(
        self,
        person: str,
        problem: str,
        consequence: str,
        improvement: str,
        positive: str,
        tone: str,
        channel: str,
        notes: str,
    ) -> FeedbackDraft:
        """Draft from the parts when any is filled in, else from the free notes (InputError if unusable)."""
        fields = (problem or "", consequence or "", improvement or "", positive or "")
        if any(f.strip() for f in fields):
            return self.drafter.from_parts(person or "", *fields, tone=tone, channel=channel)  # type: ignore[arg-type]
        return self.drafter.from_notes(notes or "", person or "", tone=tone, channel=channel)  # type: ignore[arg-type]

    def draft(
        self,
        person: str,
        problem: str,
        consequence: str,
        improvement: str,
        positive: str,
        tone: str,
        channel: str,
        notes: str,
    ) -> tuple[str, str, list[tuple[str, str | None]], str, str]:
        """The «Lag utkast» button: (draft text, parts, highlighted text, findings, engine line)."""
        draft = edge.gradio_errors(self.make_draft)(
            person, problem, consequence, improvement, positive, tone, channel, notes
        )
        result = LintResult(parts=draft.parts, findings=draft.findings, language="nb")
        engine = self.t("fb_engine", engine=self.t(f"fb_engine_{draft.engine}"))
        if draft.fallback_reason:
            engine += f" ({render.escape(draft.fallback_reason)})"
        return (
            draft.text,
            self.parts_markdown(draft.parts),
            self.highlights(draft.text, result),
            self.findings_markdown(result, draft.questions),
            engine,
        )

    def lint(self, text: str) -> tuple[str, list[tuple[str, str | None]], str]:
        """Lint the draft as edited: (parts, highlighted text, findings)."""
        if not (text or "").strip():
            raise gr.Error(self.t("fb_need_text"))
        clean = edge.gradio_errors(check_text)(text, "the text", self.drafter.max_chars)
        result = self.drafter.linter.lint(clean)
        return (
            self.parts_markdown(result.parts),
            self.highlights(clean, result),
            self.findings_markdown(result),
        )

    def download(self, text: str, person: str, suffix: str) -> str:
        """Write the draft to a file for download; returns its path."""
        if not (text or "").strip():
            raise gr.Error(self.t("fb_need_text"))
        name = f"tilbakemelding-{person or 'utkast'}.{suffix}"
        return str(self.files.write(name, text.strip() + "\n"))

    def save(self, person: str, text: str) -> str:
        """Save the draft in the person's notebook, with the lint's parts; returns a confirmation."""
        if not (person or "").strip():
            raise gr.Error(self.t("fb_need_person"))
        if not (text or "").strip():
            raise gr.Error(self.t("fb_need_text"))
        parts = self.drafter.linter.lint(text).parts
        record = edge.gradio_errors(self.notebook.save_feedback_draft)(person, text, {"parts": parts})
        return self.t("fb_saved", person=render.escape(record.person))

    # -- layout -----------------------------------------------------------------------------------
    def build(self) -> None:
        """Create the tab's components and wire them."""
        t = self.t
        gr.Markdown(t("fb_intro"))
        with gr.Row():
            with gr.Column(scale=1):
                person = gr.Textbox(label=t("fb_person"), elem_id="fb-person", max_lines=1)
                fields = [gr.Textbox(label=t(f"fb_{p}"), elem_id=f"fb-{p}", lines=2) for p in PARTS]
                with gr.Row():
                    tone = gr.Radio(
                        [(t("fb_tone_varm"), "varm"), (t("fb_tone_direkte"), "direkte")],
                        value="varm",
                        label=t("fb_tone"),
                        elem_id="fb-tone",
                    )
                    channel = gr.Radio(
                        [(t("fb_channel_samtale"), "samtale"), (t("fb_channel_melding"), "melding")],
                        value="samtale",
                        label=t("fb_channel"),
                        elem_id="fb-channel",
                    )
                notes = gr.Textbox(label=t("fb_notes"), elem_id="fb-notes", lines=4)
                make = gr.Button(t("fb_draft_button"), variant="primary", elem_id="fb-make")
            with gr.Column(scale=1):
                text = gr.Textbox(
                    label=t("fb_draft"), elem_id="fb-draft", lines=10, buttons=["copy"], interactive=True
                )
                engine = gr.Markdown(elem_id="fb-engine")
                parts = gr.Markdown(elem_id="fb-parts")
                marked = gr.HighlightedText(  # colours follow the rule names in the legend
                    label=t("fb_highlight"),
                    elem_id="fb-highlight",
                    combine_adjacent=False,
                    show_legend=True,
                )
                findings = gr.Markdown(elem_id="fb-findings")
                with gr.Row():
                    check = gr.Button(t("fb_lint_button"), elem_id="fb-lint", size="sm")
                    md = gr.Button(t("fb_download_md"), elem_id="fb-md", size="sm")
                    txt = gr.Button(t("fb_download_txt"), elem_id="fb-txt", size="sm")
                    save = gr.Button(t("fb_save"), elem_id="fb-save", size="sm")
                download = gr.File(label=t("fb_file"), elem_id="fb-file", interactive=False)
                saved = gr.Markdown(elem_id="fb-saved")
        private: dict[str, Any] = {"api_visibility": "private"}
        make.click(
            self.draft,
            [person, *fields, tone, channel, notes],
            [text, parts, marked, findings, engine],
            **private,
        )
        check.click(self.lint, [text], [parts, marked, findings], **private)
        md.click(lambda x, p: self.download(x, p, "md"), [text, person], [download], **private)
        txt.click(lambda x, p: self.download(x, p, "txt"), [text, person], [download], **private)
        save.click(self.save, [person, text], [saved], **private)
