"""The sidebar of saved conversations: list, reopen, rename, delete one or all, retention.

Conversations live in the notebook's database (:class:`assistant.notebook.conversations.Conversations`);
the browser keeps nothing but the id of the open one for the page's lifetime.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import gradio as gr

from assistant.errors import NotFoundError
from assistant.notebook import Notebook
from assistant.web import render
from assistant.web.strings import Texts

#: What the chat keeps per answered question: the question, the answer text and who answered.
Turn = dict[str, str]


class ConversationPanel:
    """Handlers of the conversation sidebar (the components are wired in :meth:`build`).

    Args:
        notebook: Where conversations are stored.
        texts: The UI texts.
        retention_days: Conversations not updated for this long are purged; None keeps them.
    """

    def __init__(self, notebook: Notebook, texts: Texts, retention_days: int | None = None) -> None:
        self.store = notebook.conversations
        self.t = texts
        self.retention_days = retention_days

    # -- handlers (plain functions of their inputs; tested without a browser) -------------------------
    def purge_old(self) -> int:
        """Delete conversations older than the retention period; returns how many."""
        if self.retention_days is None:
            return 0
        cutoff = datetime.now(UTC) - timedelta(days=self.retention_days)
        old = [c.id for c in self.store.list() if _aware(c.updated) < cutoff]
        for conversation_id in old:
            self.store.delete(conversation_id)
        return len(old)

    def choices(self) -> list[tuple[str, int]]:
        """The sidebar's entries: (title, id), most recently updated first."""
        self.purge_old()
        return [(c.title or f"#{c.id}", c.id) for c in self.store.list()]

    def listing(self, selected: int | None = None) -> Any:
        """An update of the conversation list."""
        choices = self.choices()
        value = selected if selected in {cid for _, cid in choices} else None
        return gr.Radio(choices=choices, value=value)

    def save_turn(self, conversation_id: int | None, question: str, record: dict[str, Any]) -> int:
        """Store a question and its answer; starts a conversation (titled by the question) when needed."""
        if conversation_id is not None:
            try:
                self.store.get(conversation_id)
            except NotFoundError:
                conversation_id = None  # deleted in another tab meanwhile: start afresh
        if conversation_id is None:
            conversation_id = self.store.create(question).id
        self.store.append(conversation_id, "user", question)
        self.store.append(conversation_id, "assistant", record["answer"]["answer"], record)
        return conversation_id

    def open(self, conversation_id: int | None) -> tuple[list[render.ChatMessage], list[Turn], int | None]:
        """Load a saved conversation: its chat messages, its turns (history for follow-ups) and id."""
        if conversation_id is None:
            return [], [], None
        try:
            stored = self.store.messages(conversation_id)
        except NotFoundError:
            return [], [], None
        messages: list[render.ChatMessage] = []
        turns: list[Turn] = []
        question = ""
        for message in stored:
            if message.role == "user":
                question = message.content
                messages.append(render.user_message(question))
                continue
            record = message.metadata if "answer" in message.metadata else _plain_record(message.content)
            messages.extend(render.assistant_messages(record, self.t))
            turns.append(
                {
                    "question": question,
                    "answer": message.content,
                    "engine": str(record["answer"].get("engine", "extractive")),
                }
            )
        return messages, turns, conversation_id

    def rename(self, conversation_id: int | None, title: str) -> tuple[Any, str]:
        """Rename the selected conversation; returns the list update and the cleared title box."""
        if conversation_id is None:
            raise gr.Error(self.t("conv_none_selected"))
        self.store.rename(conversation_id, title)
        gr.Info(self.t("conv_renamed"))
        return self.listing(conversation_id), ""

    def delete(self, conversation_id: int | None) -> tuple[Any, list[render.ChatMessage], list[Turn], None]:
        """Delete the selected conversation; the chat is cleared."""
        if conversation_id is None:
            raise gr.Error(self.t("conv_none_selected"))
        with contextlib.suppress(NotFoundError):  # already gone (another tab): what was asked for
            self.store.delete(conversation_id)
        gr.Info(self.t("conv_deleted"))
        return self.listing(), [], [], None

    def delete_all(self) -> tuple[Any, list[render.ChatMessage], list[Turn], None, Any]:
        """Delete every conversation; the chat is cleared and the confirmation hidden."""
        count = self.store.delete_all()
        gr.Info(self.t("conv_deleted_all", count=count))
        return self.listing(), [], [], None, gr.Row(visible=False)

    # -- layout -----------------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        """Create the sidebar's components (inside a ``gr.Sidebar``); returns them by name."""
        t = self.t
        gr.Markdown(f"### {t('conv_heading')}")
        c: dict[str, Any] = {}
        c["new"] = gr.Button(t("conv_new"), elem_id="conv-new", size="sm")
        c["list"] = gr.Radio(choices=[], label=t("conv_list"), elem_id="conv-list", type="value")
        c["title"] = gr.Textbox(label=t("conv_title"), elem_id="conv-title", max_lines=1)
        with gr.Row():
            c["rename"] = gr.Button(t("conv_rename"), elem_id="conv-rename", size="sm")
            c["delete"] = gr.Button(t("conv_delete"), elem_id="conv-delete", size="sm", variant="stop")
        c["delete_all"] = gr.Button(t("conv_delete_all"), elem_id="conv-delete-all", size="sm")
        with gr.Row(visible=False) as confirm:
            gr.Markdown(t("conv_confirm_all"))
            c["confirm_yes"] = gr.Button(t("conv_confirm_yes"), elem_id="conv-confirm-all", variant="stop")
            c["confirm_no"] = gr.Button(t("conv_cancel"), size="sm")
        c["confirm"] = confirm
        return c


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the store writes UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _plain_record(text: str) -> dict[str, Any]:
    """A stored answer without metadata (written by another client): shown as text, no sources."""
    answer = {"answer": text, "covered": True, "engine": "extractive", "citations": [], "related": []}
    return {"answer": answer, "notice": None, "sources": []}
