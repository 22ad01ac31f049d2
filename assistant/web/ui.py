"""The web UI: a thin class around the services, one module per tab, and the Blocks that joins them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant.app import Coach
from assistant.config import WebSettings
from assistant.feedback.draft import FeedbackDrafter
from assistant.notebook import Notebook
from assistant.web.api import Api
from assistant.web.chat import ChatTab
from assistant.web.conversations import ConversationPanel
from assistant.web.feedback_tab import FeedbackTab
from assistant.web.files import TempFiles
from assistant.web.knowledge import KnowledgeTab
from assistant.web.one_to_one import OneToOneTab
from assistant.web.status_tab import StatusTab
from assistant.web.strings import Texts

#: A few touches on top of Gradio's theme.
CSS = """
#faq .gallery-item { font-size: 0.9em; }
#fb-parts, #oo-message, #kb-result { min-height: 1.5em; }
"""


class WebUI:
    """The Salgscoach web app over the services built by :mod:`assistant.app`.

    Args:
        coach: Answers questions and owns the index.
        notebook: People, meetings, conversations and ratings.
        drafter: The feedback studio (None hides its tab).
        web: The web settings.
        temp_root: Gradio's temporary folder (uploads arrive there; downloads are written there).
    """

    def __init__(
        self,
        coach: Coach,
        notebook: Notebook,
        drafter: FeedbackDrafter | None,
        web: WebSettings,
        temp_root: Path,
    ) -> None:
        self.web = web
        self.t = Texts(web.language)
        files = TempFiles(temp_root / "downloads", max_age_s=web.temp_file_minutes * 60)
        self.conversations = ConversationPanel(notebook, self.t, web.retention_days)
        self.chat = ChatTab(coach, notebook, self.conversations, self.t)
        self.feedback = FeedbackTab(drafter, notebook, files, self.t) if drafter is not None else None
        self.one_to_one = OneToOneTab(notebook, files, self.t)
        self.knowledge = KnowledgeTab(coach, web, self.t, temp_root)
        self.status = StatusTab(coach, self.t)
        self.api = Api(coach, drafter, notebook)

    def build(self) -> gr.Blocks:
        """Build the Blocks (nothing is served yet; see :func:`assistant.web.server.create_app`)."""
        t = self.t
        age = self.web.temp_file_minutes * 60
        private: dict[str, Any] = {"api_visibility": "private"}
        demo = gr.Blocks(title=t("app_title"), analytics_enabled=False, delete_cache=(min(age, 300), age))
        with demo:
            # First, so the endpoints get their plain names (/ask…): Gradio numbers later namesakes.
            self.api.register(self.web.concurrency)
            with gr.Sidebar(label=t("conv_heading"), open=True, elem_id="sidebar"):
                side = self.conversations.build()
            gr.Markdown(f"## {t('app_title')}\n{t('app_intro')}")
            turns = gr.State([])
            conversation = gr.State(None)
            with gr.Tabs():
                with gr.Tab(t("chat_tab"), id="chat", elem_id="tab-chat"):
                    chat = self.chat.build()
                with gr.Tab(t("fb_tab"), id="feedback", elem_id="tab-feedback"):
                    if self.feedback is not None:
                        self.feedback.build()
                    else:
                        gr.Markdown(t("fb_unavailable"))
                with gr.Tab(t("oo_tab"), id="one-to-one", elem_id="tab-one-to-one") as one_tab:
                    one = self.one_to_one.build()
                with gr.Tab(t("kb_tab"), id="knowledge", elem_id="tab-knowledge") as kb_tab:
                    kb = self.knowledge.build()
                with gr.Tab(t("st_tab"), id="status", elem_id="tab-status") as st_tab:
                    status = self.status.build()
            self._wire_chat(chat, side, turns, conversation)
            demo.load(self.conversations.listing, None, [side["list"]], **private)
            one_tab.select(self.one_to_one.people, None, [one["person"]], **private)
            kb_tab.select(
                lambda: (self.knowledge.table(), self.knowledge.removable()),
                None,
                [kb["table"], kb["pick"]],
                **private,
            )
            st_tab.select(self.status.markdown, None, [status["view"]], **private)
        demo.queue(default_concurrency_limit=self.web.concurrency)
        return demo

    def _wire_chat(self, chat: dict[str, Any], side: dict[str, Any], turns: Any, conversation: Any) -> None:
        private: dict[str, Any] = {"api_visibility": "private"}
        asking: dict[str, Any] = {
            "api_visibility": "private",
            "concurrency_limit": self.web.concurrency,
            "concurrency_id": "answers",
        }
        ask_in = [chat["question"], chat["chatbot"], turns, conversation]
        ask_out = [chat["chatbot"], chat["question"], turns, conversation, side["list"]]
        chat["send"].click(self.chat.ask, ask_in, ask_out, **asking)
        chat["question"].submit(self.chat.ask, ask_in, ask_out, **asking)
        chat["faq"].click(lambda sample: sample[0], [chat["faq"]], [chat["question"]], **private).then(
            self.chat.ask, ask_in, ask_out, **asking
        )
        chat["chatbot"].like(self.chat.on_like, [chat["chatbot"], turns], None, **private)
        chat["chatbot"].clear(lambda: ([], None), None, [turns, conversation], **private)
        side["new"].click(
            lambda: ([], [], None, self.conversations.listing()),
            None,
            [chat["chatbot"], turns, conversation, side["list"]],
            **private,
        )
        side["list"].select(
            self.conversations.open, [side["list"]], [chat["chatbot"], turns, conversation], **private
        )
        side["rename"].click(
            self.conversations.rename, [conversation, side["title"]], [side["list"], side["title"]], **private
        )
        side["delete"].click(
            self.conversations.delete,
            [conversation],
            [side["list"], chat["chatbot"], turns, conversation],
            **private,
        )
        side["delete_all"].click(lambda: gr.Row(visible=True), None, [side["confirm"]], **private)
        side["confirm_no"].click(lambda: gr.Row(visible=False), None, [side["confirm"]], **private)
        side["confirm_yes"].click(
            self.conversations.delete_all,
            None,
            [side["list"], chat["chatbot"], turns, conversation, side["confirm"]],
            **private,
        )
