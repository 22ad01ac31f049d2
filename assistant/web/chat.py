"""The «Spør» tab: streaming answers with their sources, follow-ups, FAQ chips and thumbs up/down."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.app import Coach
from assistant.chain import check_question
from assistant.errors import CoachError, InputError
from assistant.memory import Message
from assistant.notebook import Notebook
from assistant.schemas import Answer
from assistant.web import render
from assistant.web.conversations import ConversationPanel, Turn
from assistant.web.strings import Texts

#: Characters of an earlier answer passed back as history (what the CLI chat keeps too).
HISTORY_ANSWER_CHARS = 4000


class SectionTexts:
    """Section texts by ``(source, section_key)``, for sources an answer cites without quoting.

    Read from the published index and kept until another generation is published.
    """

    def __init__(self, coach: Coach) -> None:
        self._coach = coach
        self._generation: str | None = None
        self._bodies: dict[tuple[str, str], list[str]] = {}

    def get(self) -> dict[tuple[str, str], list[str]]:
        """The texts of every section in the index."""
        generation = self._coach.index.current_name()
        if generation != self._generation:
            bodies: dict[tuple[str, str], list[str]] = {}
            for chunk in self._coach.index.view().chunks():
                bodies.setdefault((chunk.source, chunk.section_key), []).append(chunk.body)
            self._bodies, self._generation = bodies, generation
        return self._bodies


class ChatTab:
    """Handlers and layout of the chat.

    Args:
        coach: Answers questions.
        notebook: Stores ratings.
        conversations: Stores the conversation as it goes.
        texts: The UI texts.
    """

    def __init__(
        self, coach: Coach, notebook: Notebook, conversations: ConversationPanel, texts: Texts
    ) -> None:
        self.coach = coach
        self.ratings = notebook.ratings
        self.conversations = conversations
        self.t = texts
        self.sections = SectionTexts(coach)

    def faq_questions(self) -> list[str]:
        """The FAQ's questions, read from the index (the FAQ sections' titles), in index order."""
        try:
            chunks = self.coach.index.view().chunks()
        except CoachError:
            return []  # no index yet: no chips
        return list(dict.fromkeys(c.section for c in chunks if c.kind == "faq" and c.section.strip()))

    @staticmethod
    def history(turns: list[Turn]) -> list[Message]:
        """The conversation so far, as the chain takes it."""
        messages = []
        for turn in turns:
            messages.append(Message(role="user", content=turn["question"]))
            messages.append(Message(role="assistant", content=turn["answer"][:HISTORY_ANSWER_CHARS]))
        return messages

    def record(self, answer: Answer, asked: str) -> dict[str, Any]:
        """What is shown and stored for a final answer (sources with their quoted text)."""
        needs_bodies = any(not any(n == c.number for _, n in answer.quotes) for c in answer.citations)
        bodies = self.sections.get() if needs_bodies else {}
        entries = render.source_entries(answer, bodies)
        return render.answer_record(answer, asked, self.coach.fallback_notice(answer), entries)

    def ask(
        self, question: str, messages: list[dict[str, Any]], turns: list[Turn], conversation_id: int | None
    ) -> Iterator[tuple[list[dict[str, Any]], str, list[Turn], int | None, Any]]:
        """Answer a question, yielding the chat as it grows.

        First the question, then the text as an LLM writes it, then the checked answer with its
        sources. The turn is saved to the open conversation.

        Yields:
            (chat messages, question box, turns, conversation id, conversation list update).
        """
        try:
            asked = check_question(question or "", self.coach.settings.answer.max_question_chars)
        except InputError as exc:
            raise gr.Error(str(exc) if (question or "").strip() else self.t("chat_empty_question")) from exc
        shown = [*messages, render.user_message(asked)]
        pending = {"role": "assistant", "content": self.t("chat_thinking")}
        listing = gr.skip()
        yield [*shown, pending], "", turns, conversation_id, listing
        final: Answer | None = None
        try:
            for snapshot in self.coach.stream(asked, history=self.history(turns)):
                if snapshot.final:
                    final = snapshot
                    continue
                pending = {"role": "assistant", "content": render.escape(snapshot.text)}
                yield [*shown, pending], "", turns, conversation_id, listing
        except CoachError as exc:
            error = {"role": "assistant", "content": render.escape(f"{self.t('error_prefix')}: {exc}")}
            yield [*shown, error], "", turns, conversation_id, listing
            return
        assert final is not None, "the chain always ends with a final answer"
        record = self.record(final, asked)
        conversation_id = self.conversations.save_turn(conversation_id, asked, record)
        turns = [*turns, {"question": asked, "answer": final.text, "engine": final.engine}]
        yield (
            [*shown, *render.assistant_messages(record, self.t)],
            "",
            turns,
            conversation_id,
            self.conversations.listing(conversation_id),
        )

    def rate(self, messages: list[dict[str, Any]], turns: list[Turn], index: int, liked: bool) -> int | None:
        """Store a thumbs up/down for the answer at a message index; returns the rating's id.

        A click on a source under an answer rates that answer.
        """
        answer_number = sum(1 for m in messages[: index + 1] if render.is_answer(m)) - 1
        if not 0 <= answer_number < len(turns):
            return None
        turn = turns[answer_number]
        rating = self.ratings.add(turn["question"], turn["answer"], 1 if liked else -1, turn["engine"])
        return rating.id

    def on_like(self, messages: list[dict[str, Any]], turns: list[Turn], data: gr.LikeData) -> None:
        """Gradio's like event: rate the answer (un-liking sends no bool and is ignored)."""
        if not isinstance(data.liked, bool) or not isinstance(data.index, int):
            return
        if self.rate(messages, turns, data.index, data.liked) is not None:
            gr.Info(self.t("chat_rated_up" if data.liked else "chat_rated_down"))

    # -- layout -----------------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        """Create the tab's components; returns them by name."""
        t = self.t
        c: dict[str, Any] = {}
        c["chatbot"] = gr.Chatbot(
            label=t("chat_label"),
            elem_id="chat",
            height=520,
            buttons=["copy"],
            sanitize_html=True,
            render_markdown=True,
            feedback_options=("Like", "Dislike"),
            placeholder=t("chat_placeholder"),
            allow_tags=False,
            group_consecutive_messages=True,
        )
        with gr.Row():
            c["question"] = gr.Textbox(
                label=t("chat_question"),
                placeholder=t("chat_question_placeholder"),
                elem_id="question",
                scale=8,
                max_lines=4,
                autofocus=True,
            )
            c["send"] = gr.Button(t("chat_send"), variant="primary", elem_id="ask", scale=1)
        c["faq"] = gr.Dataset(
            components=[c["question"]],
            samples=[[q] for q in self.faq_questions()],
            label=t("chat_examples"),
            elem_id="faq",
            layout="gallery",
        )
        return c
