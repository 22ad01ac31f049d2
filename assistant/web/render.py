"""Turn answers into chat messages: the answer, then one collapsed message per source.

Every text that comes from a document (quotes, section titles, file names) is HTML-escaped here, and
the Chatbot sanitises what is left: a ``<script>`` in an uploaded file shows as text and never runs.
"""

from __future__ import annotations

import html
import re
from typing import Any

from assistant.schemas import Answer
from assistant.web.strings import Texts

#: A chat message as Gradio's Chatbot takes it: ``{"role", "content", "metadata"?}``.
ChatMessage = dict[str, Any]
_SOURCES_HEADING = re.compile(r"\n\s*(Kilder|Sources):\s*\n(?:\[\d+\][^\n]*(?:\n|$))+\s*$")


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` (Markdown itself still renders)."""
    return html.escape(text, quote=False)


def strip_sources(text: str) -> str:
    """Drop the extractive answer's own trailing source list: the web app shows the sources below it."""
    return _SOURCES_HEADING.sub("", text).rstrip()


def answer_record(
    answer: Answer, asked: str, notice: str | None, sources: list[dict[str, Any]]
) -> dict[str, Any]:
    """What is stored with an assistant message, enough to show it again exactly.

    Args:
        answer: The final answer.
        asked: The question as the user typed it.
        notice: The fallback notice, if any.
        sources: ``[{"n", "section", "source", "quotes": [text...]}]`` (see :func:`source_entries`).
    """
    return {"answer": answer.as_json(asked), "notice": notice, "sources": sources}


def source_entries(answer: Answer, bodies: dict[tuple[str, str], list[str]]) -> list[dict[str, Any]]:
    """The sources of an answer with the text to show under each.

    Args:
        answer: The answer.
        bodies: ``(source, section_key)`` → chunk texts, used when the answer quoted nothing from a
            source (LLM answers paraphrase; their sources show the section's text instead).
    """
    entries = []
    for citation in answer.citations:
        quotes = [text for text, n in answer.quotes if n == citation.number]
        if not quotes:
            quotes = bodies.get((citation.source, citation.section_key), [])
        entries.append(
            {
                "n": citation.number,
                "section": citation.section,
                "source": citation.source,
                "quotes": quotes,
            }
        )
    return entries


def answer_markdown(record: dict[str, Any], texts: Texts) -> str:
    """The answer message: a not-covered badge, a fallback notice, the text, and which engine answered."""
    answer = record["answer"]
    lines = []
    # Plain Markdown, no HTML: the copy button copies the message's source text.
    if not answer["covered"]:
        lines.append(f"**⚠ {escape(texts('chat_badge_uncovered'))}**\n")
    if record.get("notice"):
        lines.append(f"> {escape(record['notice'])}\n")
    lines.append(escape(strip_sources(answer["answer"])))
    engine = (
        texts(f"engine_{answer['engine']}") if answer["engine"] in ("extractive", "llm") else answer["engine"]
    )
    lines.append(f"\n*{escape(texts('chat_engine', engine=engine))}*")
    return "\n".join(lines)


def source_messages(record: dict[str, Any], texts: Texts) -> list[ChatMessage]:
    """One collapsed message per source: ``[n] section – file``, opening to the quoted text."""
    messages = []
    for entry in record.get("sources", []):
        title = texts("chat_source_title", n=entry["n"], section=entry["section"], source=entry["source"])
        quotes = entry.get("quotes") or []
        body = "\n\n".join(f"> «{escape(q)}»" for q in quotes) or texts("chat_source_empty")
        messages.append(
            {
                "role": "assistant",
                "content": body,
                "metadata": {"title": escape(title), "status": "done"},
            }
        )
    return messages


def assistant_messages(record: dict[str, Any], texts: Texts) -> list[ChatMessage]:
    """The messages that show one answer: the answer itself, then its sources."""
    return [{"role": "assistant", "content": answer_markdown(record, texts)}, *source_messages(record, texts)]


def user_message(question: str) -> ChatMessage:
    """The user's question as a chat message (escaped: it is shown as typed)."""
    return {"role": "user", "content": escape(question)}


def is_answer(message: dict[str, Any]) -> bool:
    """Whether a chat message is an answer (not a question, not a source under an answer)."""
    metadata = message.get("metadata") or {}
    return message.get("role") == "assistant" and not metadata.get("title")
