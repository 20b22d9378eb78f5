"""The Downloads panel of the Model Tracker tab: choose models, see the plan, queue, follow progress, cancel.

The queue is the process's (downloads outlive a page reload); the panel only polls it with a
gr.Timer, so the tab never blocks while files arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..downloads.plan import PlanError
from ..downloads.queue import DownloadQueue, default_queue
from .downloads_view import (
    LINK_CHOICES,
    NO_LINK,
    RescanOnCompletion,
    downloadable_choices,
    failed_choices,
    file_choices,
    job_choices,
    make_panel_plan,
    parse_folders,
    plan_markdown,
    progress_markdown,
)
from .view import TrackerController

POLL_SECONDS = 1.0
# Words in these tables never break mid-letter (the tab's CSS).
PANEL_TABLE = ["mt-panel-table"]


@dataclass
class DownloadsPanel:
    """The panel's components; ``models_ready`` changes whenever another model's files are all in place."""

    accordion: Any
    models: Any
    plan_text: Any
    progress: Any
    models_ready: Any
    timer: Any


def build_downloads_panel(controller: TrackerController, queue: DownloadQueue | None = None) -> DownloadsPanel:
    """Create the panel inside the current Gradio context and wire its events."""
    queue = queue or default_queue()
    queue.add_model_listener(RescanOnCompletion(controller))
    with gr.Accordion("Downloads", open=False, elem_id="mt-downloads") as accordion:
        gr.Markdown("Fetch what models need before generating, into the folders Wan2GP uses, or reuse copies "
                    "already on this machine. Downloads continue when you leave the tab or reload the page.")
        with gr.Row():
            models = gr.Dropdown([], value=[], multiselect=True, label="Models to download (missing or partial)",
                                 elem_id="mt-dl-models", scale=3)
            reload_models = gr.Button("↻", elem_id="mt-dl-reload", scale=0, min_width=40)
        files = gr.Dropdown([], value=[], multiselect=True, label="Only these files (leave empty for everything "
                            "the models need)", elem_id="mt-dl-files")
        with gr.Row():
            folders = gr.Textbox(label="Also look for copies in (one folder per line, e.g. ComfyUI/models)",
                                 lines=2, elem_id="mt-dl-folders")
            link = gr.Radio(LINK_CHOICES, value=NO_LINK, label="Copies found on disk", elem_id="mt-dl-link")
        with gr.Row():
            show = gr.Button("Show plan", elem_id="mt-dl-plan")
            start = gr.Button("Queue downloads", variant="primary", elem_id="mt-dl-start")
            cancel_all = gr.Button("Cancel all", variant="stop", elem_id="mt-dl-cancel-all")
        plan_text = gr.Markdown("", elem_id="mt-dl-plan-text", elem_classes=PANEL_TABLE)
        progress = gr.Markdown(progress_markdown(queue.snapshot()), elem_id="mt-dl-progress",
                               elem_classes=PANEL_TABLE)
        with gr.Row(equal_height=True):
            job = gr.Dropdown([], value=None, label="Cancel one file", elem_id="mt-dl-job", scale=3)
            cancel_one = gr.Button("Cancel file", elem_id="mt-dl-cancel", scale=0, min_width=110)
            failed = gr.Dropdown([], value=None, label="Retry a failed file", elem_id="mt-dl-failed", scale=3)
            retry_one = gr.Button("Retry", elem_id="mt-dl-retry", scale=0, min_width=80)
            clear = gr.Button("Clear finished", elem_id="mt-dl-clear", scale=0, min_width=130)
        models_ready = gr.Number(value=len(queue.snapshot().completed_models), visible=False)
        # Polls only while the panel is open: Wan2GP's page should not carry a timer nobody looks at.
        timer = gr.Timer(POLL_SECONDS, active=False)

    def model_choices(chosen: list[str] | None) -> Any:
        choices = downloadable_choices(controller.data.inventory)
        known = {value for _, value in choices}
        return gr.update(choices=choices, value=[t for t in chosen or [] if t in known])

    def files_of(chosen: list[str] | None, picked: list[str] | None) -> Any:
        choices = file_choices(controller.data.inventory, chosen or [])
        known = {value for _, value in choices}
        return gr.update(choices=choices, value=[f for f in picked or [] if f in known])

    def planned(chosen: list[str] | None, picked: list[str] | None, folder_text: str, how: str) -> Any:
        if not chosen:
            return None, "Choose one or more models first."
        try:
            plan = make_panel_plan(controller.data.inventory, chosen, parse_folders(folder_text), how, picked or ())
        except PlanError as exc:
            return None, f"⚠ {exc}"
        return plan, plan_markdown(plan)

    def show_plan(chosen: list[str] | None, picked: list[str] | None, folder_text: str, how: str) -> str:
        return planned(chosen, picked, folder_text, how)[1]

    def enqueue(chosen: list[str] | None, picked: list[str] | None, folder_text: str, how: str) -> tuple:
        plan, text = planned(chosen, picked, folder_text, how)
        if plan is not None and plan.files:
            try:
                queue.submit(plan)
                text += f"\n\n**Queued {len(plan.files)} file(s).**"
            except PlanError as exc:
                text += f"\n\n⚠ **Nothing was queued:** {exc}"
        return text, progress_markdown(queue.snapshot())

    def poll() -> tuple:
        snapshot = queue.snapshot()
        return (progress_markdown(snapshot), gr.update(choices=job_choices(snapshot)),
                gr.update(choices=failed_choices(snapshot)), len(snapshot.completed_models))

    def retry(job_id: int | None) -> tuple:
        """Queue the chosen failed file again; with none chosen, every failed file."""
        snapshot = queue.snapshot()
        ids = [int(job_id)] if job_id is not None else [value for _, value in failed_choices(snapshot)]
        for one in ids:
            queue.retry(one)
        return progress_markdown(queue.snapshot()), gr.update(value=None)

    def cancel(job_id: int | None) -> str:
        if job_id is not None:
            queue.cancel(int(job_id))
        return progress_markdown(queue.snapshot())

    def cancel_everything() -> str:
        queue.cancel_all()
        return progress_markdown(queue.snapshot())

    def clear_finished() -> str:
        queue.clear_finished()
        return progress_markdown(queue.snapshot())

    accordion.expand(model_choices, [models], [models])
    accordion.expand(lambda: gr.Timer(active=True), None, [timer])
    accordion.collapse(lambda: gr.Timer(active=False), None, [timer])
    reload_models.click(model_choices, [models], [models])
    models_ready.change(model_choices, [models], [models])
    models.change(files_of, [models, files], [files])
    show.click(show_plan, [models, files, folders, link], [plan_text])
    start.click(enqueue, [models, files, folders, link], [plan_text, progress])
    timer.tick(poll, None, [progress, job, failed, models_ready], show_progress="hidden", concurrency_limit=None)
    retry_one.click(retry, [failed], [progress, failed])
    cancel_one.click(cancel, [job], [progress])
    cancel_all.click(cancel_everything, None, [progress])
    clear.click(clear_finished, None, [progress])
    return DownloadsPanel(accordion=accordion, models=models, plan_text=plan_text, progress=progress,
                          models_ready=models_ready, timer=timer)
