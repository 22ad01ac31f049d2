"""The «Status» tab: index size and sources, engine and LLM reachability, data dir, version."""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.app import Coach
from assistant.web import render
from assistant.web.strings import Texts

_ROWS = ("version", "data_dir", "engine", "llm", "index", "model", "sources", "sync_check", "full_check")


class StatusTab:
    """Handlers and layout of the status tab.

    Args:
        coach: The coach.
        texts: The UI texts.
    """

    def __init__(self, coach: Coach, texts: Texts) -> None:
        self.coach = coach
        self.t = texts

    def markdown(self) -> str:
        """The status as a two-column Markdown table (the same facts as ``coach status``)."""
        status = self.coach.status()
        lines = [f"| {self.t('st_key')} | {self.t('st_value')} |", "|---|---|"]
        for key in _ROWS:
            if key not in status:
                continue
            value = status[key]
            if key == "index" and isinstance(value, dict):
                value = self.t("st_index_summary", **value)
            elif isinstance(value, list):
                value = "<br>".join(render.escape(str(v)) for v in value) or "–"
                lines.append(f"| {self.t('st_' + key)} | {value} |")
                continue
            cell = render.escape(str(value)).replace("|", "\\|")
            lines.append(f"| {self.t('st_' + key)} | {cell} |")
        return "\n".join(lines)

    def build(self) -> dict[str, Any]:
        """Create the tab's components and wire them; returns the view refreshed when the tab opens."""
        view = gr.Markdown(elem_id="status")
        refresh = gr.Button(self.t("st_refresh"), size="sm", elem_id="status-refresh")
        refresh.click(self.markdown, None, [view], api_visibility="private")
        return {"view": view}
