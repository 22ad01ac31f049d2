"""The «1:1» tab: the next one-to-one's agenda, ticking actions done, notes, export and forget."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import gradio as gr

from assistant.notebook import Notebook
from assistant.notebook.prep import agenda_markdown, build_agenda
from assistant.notebook.service import NewAction
from assistant.web import edge, render
from assistant.web.files import TempFiles
from assistant.web.strings import Texts


class OneToOneTab:
    """Handlers and layout of the one-to-one notebook.

    Args:
        notebook: The notebook.
        files: Writes the exports.
        texts: The UI texts.
    """

    def __init__(self, notebook: Notebook, files: TempFiles, texts: Texts) -> None:
        self.notebook = notebook
        self.files = files
        self.t = texts

    def _person(self, person: str | None) -> str:
        if not (person or "").strip():
            raise gr.Error(self.t("oo_need_person"))
        return str(person).strip()

    def people(self, selected: str | None = None) -> Any:
        """An update of the person picker (everyone in the notebook; new names can be typed)."""
        names = [p.name for p in self.notebook.list_people()]
        return gr.Dropdown(choices=names, value=selected)

    def new_actions(self, text: str) -> list[NewAction]:
        """Parse the new-actions box: one a line, ``text | YYYY-MM-DD`` for a due date."""
        actions: list[NewAction] = []
        for line in (text or "").splitlines():
            body, bar, due = line.partition("|")
            if not body.strip():
                continue
            if not bar or not due.strip():
                actions.append(body.strip())
                continue
            try:
                actions.append((body.strip(), date.fromisoformat(due.strip())))
            except ValueError as exc:
                raise gr.Error(self.t("oo_bad_due", due=due.strip())) from exc
        return actions

    def load(self, person: str | None) -> tuple[str, Any]:
        """The agenda (Markdown, escaped) and the open actions to tick, for a person."""
        name = self._person(person)
        agenda = edge.gradio_errors(build_agenda)(self.notebook, name)
        choices = []
        for action in agenda.open_actions:
            due = f" ({self.t('oo_due', due=action.due.isoformat())})" if action.due else ""
            choices.append((action.text + due, action.id))
        markdown = render.escape(agenda_markdown(self.notebook, agenda))
        return markdown, gr.CheckboxGroup(choices=choices, value=[])

    def save_meeting(self, person: str | None, notes: str, done: list[int], actions: str) -> tuple[Any, ...]:
        """Save the meeting; returns (message, agenda, actions, cleared notes, cleared actions, people)."""
        name = self._person(person)
        result = edge.gradio_errors(self.notebook.save_meeting)(
            name,
            notes=notes or None,
            done=[int(i) for i in done or []],
            new_actions=self.new_actions(actions),
        )
        message = self.t(
            "oo_meeting_saved",
            done=len(result.done),
            added=len(result.added),
            carried=len(result.carried_over),
        )
        agenda, choices = self.load(name)
        return message, agenda, choices, "", "", self.people(result.meeting.person)

    def add_note(self, person: str | None, text: str) -> tuple[Any, ...]:
        """Save a note outside a meeting; returns (message, agenda, actions, cleared box, people)."""
        name = self._person(person)
        edge.gradio_errors(self.notebook.add_note)(name, text or "")
        return (self.t("oo_note_saved"), *self.load(name), "", self.people(name))

    def add_action(self, person: str | None, text: str) -> tuple[Any, ...]:
        """Add actions outside a meeting (same format as in the meeting)."""
        name = self._person(person)
        specs = self.new_actions(text) or [text or ""]
        for spec in specs:
            body, due = (spec, None) if isinstance(spec, str) else spec
            edge.gradio_errors(self.notebook.add_action)(name, body, due)
        return (self.t("oo_action_saved"), *self.load(name), "", self.people(name))

    def export(self, person: str | None, fmt: str) -> str:
        """Write everything stored about a person to a file (``md`` or ``json``); returns its path."""
        name = self._person(person)
        if fmt == "json":
            text = json.dumps(edge.gradio_errors(self.notebook.export)(name), ensure_ascii=False, indent=2)
        else:
            text = edge.gradio_errors(self.notebook.export_markdown)(name)
        return str(self.files.write(f"{name}.{fmt}", text + "\n"))

    def forget(self, person: str | None, typed: str) -> tuple[Any, ...]:
        """Delete everything about a person once the name is typed again to confirm.

        Returns:
            (message, confirmation row, people picker, agenda, actions).
        """
        name = self._person(person)
        if " ".join((typed or "").split()).casefold() != " ".join(name.split()).casefold():
            raise gr.Error(self.t("oo_forget_mismatch"))
        report = edge.gradio_errors(self.notebook.forget)(name)
        key = "oo_forgotten" if report.found else "oo_not_found"
        return (
            self.t(key, person=render.escape(report.person)),
            gr.Row(visible=False),
            self.people(None),
            "",
            gr.CheckboxGroup(choices=[], value=[]),
        )

    # -- layout -----------------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        """Create the tab's components and wire them; returns the person picker (refreshed on tab select)."""
        t = self.t
        private: dict[str, Any] = {"api_visibility": "private"}
        with gr.Row():
            person = gr.Dropdown(
                choices=[], label=t("oo_person"), allow_custom_value=True, elem_id="oo-person", scale=3
            )
            show = gr.Button(t("oo_load"), variant="primary", elem_id="oo-load", scale=1)
        message = gr.Markdown(elem_id="oo-message")
        with gr.Row():
            with gr.Column(scale=3):
                agenda = gr.Markdown(label=t("oo_agenda"), elem_id="oo-agenda")
            with gr.Column(scale=2):
                actions = gr.CheckboxGroup(
                    choices=[], label=t("oo_actions"), elem_id="oo-actions", type="value"
                )
                notes = gr.Textbox(label=t("oo_meeting_notes"), lines=4, elem_id="oo-notes")
                new = gr.Textbox(label=t("oo_new_actions"), lines=3, elem_id="oo-new-actions")
                save = gr.Button(t("oo_save_meeting"), variant="primary", elem_id="oo-save")
                with gr.Accordion(t("oo_extra"), open=False):
                    note = gr.Textbox(label=t("oo_note"), lines=2, elem_id="oo-note")
                    add_note = gr.Button(t("oo_add_note"), size="sm", elem_id="oo-add-note")
                    action = gr.Textbox(label=t("oo_action"), max_lines=1, elem_id="oo-action")
                    add_action = gr.Button(t("oo_add_action"), size="sm", elem_id="oo-add-action")
                with gr.Accordion(t("oo_export"), open=False):
                    with gr.Row():
                        md = gr.Button(t("oo_export_md"), size="sm", elem_id="oo-export-md")
                        js = gr.Button(t("oo_export_json"), size="sm", elem_id="oo-export-json")
                    exported = gr.File(label=t("oo_export_file"), interactive=False, elem_id="oo-export-file")
                forget = gr.Button(t("oo_forget"), variant="stop", size="sm", elem_id="oo-forget")
                with gr.Row(visible=False) as confirm, gr.Column():
                    gr.Markdown(t("oo_forget_confirm"))
                    typed = gr.Textbox(label=t("oo_forget_name"), max_lines=1, elem_id="oo-forget-name")
                    yes = gr.Button(t("oo_forget_yes"), variant="stop", elem_id="oo-forget-yes")
        show.click(self.load, [person], [agenda, actions], **private)
        person.select(self.load, [person], [agenda, actions], **private)
        save.click(
            self.save_meeting,
            [person, notes, actions, new],
            [message, agenda, actions, notes, new, person],
            **private,
        )
        add_note.click(self.add_note, [person, note], [message, agenda, actions, note, person], **private)
        add_action.click(
            self.add_action, [person, action], [message, agenda, actions, action, person], **private
        )
        md.click(lambda p: self.export(p, "md"), [person], [exported], **private)
        js.click(lambda p: self.export(p, "json"), [person], [exported], **private)
        forget.click(lambda: gr.Row(visible=True), None, [confirm], **private)
        yes.click(self.forget, [person, typed], [message, confirm, person, agenda, actions], **private)
        return {"person": person}
