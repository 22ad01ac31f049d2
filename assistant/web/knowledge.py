"""The «Kunnskap» tab: upload documents, list the indexed sources, remove one, rebuild the index.

Uploads are checked (type, size, count, readable), copied under safe names into the data dir's own
``uploads`` folder, which is indexed like a folder added with ``coach index PATH``; Gradio's copy in its
temporary folder is deleted as soon as the file is handled.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.app import Coach
from assistant.config import WebSettings
from assistant.errors import CoachError, DocumentLoadError
from assistant.index import SyncReport
from assistant.ingest.loading import SUPPORTED_SUFFIXES, load_file
from assistant.web import edge, render
from assistant.web.files import inside, safe_name
from assistant.web.strings import Texts

UPLOAD_TYPES = (".md", ".txt", ".pdf", ".docx")
_UPLOAD = "upload:"
_ROOT = "root:"


class KnowledgeTab:
    """Handlers and layout of the knowledge tab.

    Args:
        coach: The coach whose index is changed.
        web: Upload limits.
        texts: The UI texts.
        temp_root: Gradio's temporary folder: uploaded copies there are deleted once handled.
    """

    def __init__(self, coach: Coach, web: WebSettings, texts: Texts, temp_root: Path | None = None) -> None:
        self.coach = coach
        self.web = web
        self.t = texts
        self.uploads = (coach.settings.data_dir / "uploads").resolve()
        self.temp_root = temp_root

    # -- checks -----------------------------------------------------------------------------------
    def check(self, paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
        """Split uploaded files into usable ones and rejected ``(name, reason)`` pairs."""
        accepted: list[Path] = []
        rejected: list[tuple[str, str]] = []
        limit = self.web.max_upload_mb
        for number, path in enumerate(paths):
            name = path.name
            size = path.stat().st_size if path.is_file() else 0
            if number >= self.web.max_upload_files:
                rejected.append((name, self.t("kb_reject_count", limit=self.web.max_upload_files)))
            elif path.suffix.lower() not in UPLOAD_TYPES:
                rejected.append((name, self.t("kb_reject_type", types=", ".join(UPLOAD_TYPES))))
            elif size > limit * 1024 * 1024:
                rejected.append((name, self.t("kb_reject_size", size=size / 1024 / 1024, limit=limit)))
            elif size == 0:
                rejected.append((name, self.t("kb_reject_empty")))
            else:
                try:
                    load_file(path)  # corrupt PDF, unknown encoding…: say so now, by name
                    accepted.append(path)
                except DocumentLoadError as exc:
                    rejected.append((name, exc.reason))
        return accepted, rejected

    def _progress(self, progress: gr.Progress | None) -> Any:
        def update(phase: str, done: int, total: int) -> None:
            if progress is not None and total:
                progress(
                    (done, total), desc=self.t(f"kb_phase_{phase}") if phase in ("embed", "write") else phase
                )

        return update

    def _sync(self, progress: gr.Progress | None, **kwargs: Any) -> SyncReport:
        return edge.gradio_errors(self.coach.sync_index)(progress=self._progress(progress), **kwargs)

    # -- handlers ---------------------------------------------------------------------------------
    def upload(self, files: list[str] | None, progress: gr.Progress | None = None) -> tuple[str, Any, Any]:
        """Index uploaded files; returns (result Markdown, sources table, removal picker)."""
        paths = [Path(f) for f in files or []]
        try:
            if progress is not None:
                progress(0, desc=self.t("kb_phase_load"))
            accepted, rejected = self.check(paths)
            names = []
            if accepted:
                self.uploads.mkdir(parents=True, exist_ok=True)
                for path in accepted:
                    target = inside(self.uploads, safe_name(path.name))
                    shutil.copyfile(path, target)
                    names.append(target.name)
                report = self._sync(progress, paths=[self.uploads])
                failed = {
                    Path(s.path).name: s.reason for s in report.skipped if Path(s.path).parent == self.uploads
                }
                rejected += [(n, failed[n]) for n in names if n in failed]
                names = [n for n in names if n not in failed]
        finally:
            self._discard(paths)
        lines = []
        if names:
            lines.append(
                self.t(
                    "kb_indexed",
                    count=len(names),
                    names=", ".join(render.escape(n) for n in names),
                    chunks=self.coach.index.count(),
                )
            )
        if rejected:
            lines.append(f"**{self.t('kb_rejected')}:**")
            lines += [f"- {render.escape(name)}: {render.escape(reason)}" for name, reason in rejected]
        return "\n".join(lines) or self.t("kb_nothing"), self.table(), self.removable()

    def _discard(self, paths: list[Path]) -> None:
        """Delete Gradio's temporary copies (only inside its own folder)."""
        if self.temp_root is None:
            return
        root = self.temp_root.resolve()
        for path in paths:
            if path.resolve().is_relative_to(root):
                path.unlink(missing_ok=True)

    def rows(self) -> list[list[Any]]:
        """The indexed sources: name, chunk count, file date and kind (bundled, uploaded, added)."""
        try:
            chunks = self.coach.index.view().chunks()
        except CoachError:
            return []
        counts: dict[str, list[Any]] = {}
        for chunk in chunks:
            row = counts.setdefault(chunk.path, [chunk.source, 0])
            row[1] += 1
        return [
            [source, count, _modified(Path(path)), self._kind(Path(path))]
            for path, (source, count) in counts.items()
        ]

    def table(self) -> Any:
        """An update of the sources table."""
        headers = [self.t(k) for k in ("kb_col_source", "kb_col_chunks", "kb_col_date", "kb_col_kind")]
        return gr.Dataframe(value=self.rows(), headers=headers)

    def _kind(self, path: Path) -> str:
        if path.is_relative_to(self.uploads):
            return self.t("kb_kind_upload")
        if any(path.is_relative_to(Path(p).resolve()) for p in self.coach.settings.knowledge_paths):
            return self.t("kb_kind_bundled")
        return self.t("kb_kind_added")

    def removable(self) -> Any:
        """An update of the removal picker: uploaded files and folders added with ``coach index``."""
        choices = (
            [
                (f.name, _UPLOAD + f.name)
                for f in sorted(self.uploads.glob("*"))
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES
            ]
            if self.uploads.is_dir()
            else []
        )
        choices += [(str(r), _ROOT + str(r)) for r in self.coach.index.user_roots() if r != self.uploads]
        return gr.Dropdown(choices=choices, value=None)

    def remove(self, choice: str | None, progress: gr.Progress | None = None) -> tuple[str, Any, Any]:
        """Remove an uploaded file or an added folder from the index."""
        if not choice:
            raise gr.Error(self.t("kb_none_selected"))
        if choice.startswith(_UPLOAD):
            name = choice.removeprefix(_UPLOAD)
            edge.gradio_errors(inside)(self.uploads, name).unlink(missing_ok=True)
            self._sync(progress)
        else:
            name = choice.removeprefix(_ROOT)
            self._sync(progress, forget=[Path(name)])
        return self.t("kb_removed", name=render.escape(name)), self.table(), self.removable()

    def rebuild(self, progress: gr.Progress | None = None) -> tuple[str, Any, Any]:
        """Embed everything again."""
        report = self._sync(progress, rebuild=True)
        return self.t("kb_rebuilt", chunks=report.chunks, files=report.files), self.table(), self.removable()

    # -- layout -----------------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        """Create the tab's components and wire them; returns those refreshed when the tab opens."""
        t = self.t
        gr.Markdown(t("kb_intro"))
        upload = gr.File(
            label=t("kb_upload"),
            file_count="multiple",
            file_types=list(UPLOAD_TYPES),
            elem_id="upload",
            type="filepath",
        )
        result = gr.Markdown(elem_id="kb-result")
        table = gr.Dataframe(label=t("kb_sources"), interactive=False, elem_id="kb-sources", wrap=True)
        with gr.Row():
            pick = gr.Dropdown(choices=[], label=t("kb_remove_pick"), elem_id="kb-remove-pick", scale=3)
            remove = gr.Button(t("kb_remove"), variant="stop", elem_id="kb-remove", scale=1)
        rebuild = gr.Button(t("kb_rebuild"), elem_id="kb-rebuild", size="sm")
        index_events: dict[str, Any] = {
            "api_visibility": "private",
            "concurrency_limit": 1,
            "concurrency_id": "index",
        }

        def on_upload(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, Any, Any]:  # noqa: B008
            return self.upload(files, progress)

        def on_remove(choice: str | None, progress: gr.Progress = gr.Progress()) -> tuple[str, Any, Any]:  # noqa: B008
            return self.remove(choice, progress)

        def on_rebuild(progress: gr.Progress = gr.Progress()) -> tuple[str, Any, Any]:  # noqa: B008
            return self.rebuild(progress)

        upload.upload(on_upload, [upload], [result, table, pick], **index_events).then(
            lambda: None, None, [upload], api_visibility="private"
        )
        remove.click(on_remove, [pick], [result, table, pick], **index_events)
        rebuild.click(on_rebuild, None, [result, table, pick], **index_events)
        return {"table": table, "pick": pick}


def _modified(path: Path) -> str:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    except OSError:
        return "–"
