"""The "Disk & cleanup" panel: where the space goes, then a cleanup plan shown before a Confirm button.

The plan the user saw is kept in the browser session (``gr.State``) as its exact content; Confirm
executes that plan and nothing else, after ``usage.cleanup.execute`` has re-checked every file.
The functions above ``build_disk_panel`` hold the panel's logic and need no Gradio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..render.formatting import format_gb
from ..render.markdown import md_code, md_escape
from ..render.usage import execution_lines, plan_lines
from ..usage import cleanup
from ..usage.disk import DiskReport, disk_report
from .view import TrackerController

CHOICES = [("Selected models", "models"), ("Unused for N days", "unused"), ("Orphaned files", "orphans"),
           ("Other quantizations", "other-variants"), ("Stale partial downloads", "stale-partials")]
CHOICE_LABELS = {value: label for label, value in CHOICES}
# Choices a plan can be suggested for: they need no selection from the user.
SUGGESTED = ("orphans", "other-variants", "stale-partials")
_SHOWN = 12


def current_report(controller: TrackerController) -> DiskReport:
    """A fresh scan, so that a plan describes the disk as it is now."""
    data = controller.refresh()
    return disk_report(data.inventory, controller.analyzer.state.defs)


def disk_markdown(report: DiskReport, usage_notes: Sequence[str] = ()) -> str:
    lines = ["**Drives:** " + (" · ".join(f"{md_code(p.path)} {format_gb(p.physical_bytes)} tracked"
                                          + (f", {format_gb(p.free_bytes)} free" if p.free_bytes is not None else "")
                                          for p in report.drives) or "no tracked file")]
    lines.append("**Folders:** " + " · ".join(f"{md_code(p.path)} {format_gb(p.physical_bytes)}" for p in report.roots
                                              if p.files))
    lines += ["", "| Model | Unique (freed if removed alone) | Shared with other downloaded models |", "|---|---|---|"]
    for model in sorted(report.models, key=lambda m: -m.unique_bytes):
        shared = (f"{format_gb(model.shared_bytes)} ({md_escape(', '.join(model.shared_with))})"
                  if model.shared_bytes else "—")
        lines.append(f"| {md_escape(model.name)} ({md_code(model.model_type)}) | {format_gb(model.unique_bytes)} | "
                     f"{shared} |")
    if not report.models:
        lines.append("| no model has its main weights on disk | | |")
    for kind, label in (("weights", "Orphaned weight files"), ("lora", "LoRAs no definition ships (maybe yours)"),
                        ("partial", "Partial downloads")):
        found = [o for o in report.orphans if o.kind == kind]
        if found:
            lines += ["", f"**{label}:** {len(found)}, {format_gb(sum(o.size for o in found))}"]
            lines += [f"- {md_code(o.path)} ({format_gb(o.size)}, {(report.scanned_at - o.modified).days} days old"
                      + (", in progress" if o.in_progress else "") + ")" for o in found[:_SHOWN]]
    if report.other_variants:
        lines += ["", f"**Other quantizations on disk:** {format_gb(report.total('variants'))}"]
        lines += [f"- {md_code(v.path)} ({v.variant or '16-bit'}, {format_gb(v.size)})"
                  for v in report.other_variants[:_SHOWN]]
    lines += [f"⚠ {md_escape(w)}" for w in (*report.warnings[:3], *usage_notes)]
    return "\n".join(lines)


def usage_notes(controller: TrackerController) -> list[str]:
    """Why usage (last use, measured speed) may be missing or incomplete."""
    report = controller.usage_report
    notes = [controller.usage_error] if controller.usage_error else []
    if report is not None:
        notes += list(report.warnings[:2])
        if report.skipped_total:
            notes.append(f"{report.skipped_total} output files could not be read as Wan2GP outputs")
    return notes


def _plan(controller: TrackerController, report: DiskReport, choice: str, models: Sequence[str] | None,
          days: float | None, include_loras: bool) -> cleanup.CleanupPlan:
    """The plan for one choice of the panel; PlanError when it cannot be built."""
    if choice == "models":
        return cleanup.plan_models(report, list(models or ()))
    if choice == "unused":
        usage = controller.usage_report.by_model() if controller.usage_report is not None else {}
        return cleanup.plan_unused(report, usage, float(days if days is not None else 90))
    if choice == "orphans":
        return cleanup.plan_orphans(report, include_loras=include_loras)
    if choice == "other-variants":
        return cleanup.plan_other_variants(report)
    if choice == "stale-partials":
        return cleanup.plan_stale_partials(report)
    raise cleanup.PlanError(f"unknown choice {choice}")


def biggest_plan(controller: TrackerController, report: DiskReport, skip: str = "") -> tuple[str, int]:
    """The choice (among those that need no selection) whose plan frees the most, with its bytes; ("", 0) when
    none frees anything. LoRAs are left out: one no definition ships may be the user's own."""
    best = ("", 0)
    for choice in SUGGESTED:
        if choice != skip:
            freed = _plan(controller, report, choice, None, None, False).total_bytes
            best = max(best, (choice, freed), key=lambda pair: pair[1])
    return best


def make_plan(controller: TrackerController, choice: str, models: Sequence[str] | None, days: float | None,
              include_loras: bool) -> tuple[str, dict | None]:
    """The plan for a choice as Markdown, plus its exact content to keep in the session (None when empty).

    A plan that frees nothing points at the one that would free the most.
    """
    if choice == "models" and not models:
        return "Select at least one model.", None
    report = current_report(controller)
    try:
        plan = _plan(controller, report, choice, models, days, include_loras)
    except cleanup.PlanError as exc:
        return f"⚠ {md_escape(str(exc))}", None
    text = "\n".join(plan_lines(plan, markdown=True))
    if not plan.files:
        other, freed = biggest_plan(controller, report, skip=choice)
        if freed:
            text += (f"\n\n💡 **{CHOICE_LABELS[other]}: {format_gb(freed)}** would be freed instead: choose it "
                     "under Remove and build the plan.")
        return text, None
    return text + "\n\n**Nothing has been removed yet.** Confirm to remove exactly the files above.", plan.to_dict()


def run_plan(controller: TrackerController, plan_data: dict | None, permanent: bool) -> str:
    """Execute the plan the session holds; the folders allowed come from the current settings."""
    if not plan_data:
        return "Build a plan first."
    try:
        plan = cleanup.CleanupPlan.from_dict(plan_data)
    except cleanup.PlanError as exc:
        return f"⚠ {md_escape(str(exc))}"
    report = current_report(controller)
    result = cleanup.execute(plan, report.allowed_roots, permanent=permanent, generating=controller.generating)
    controller.refresh()
    return "  \n".join(md_escape(line) for line in execution_lines(result))


@dataclass
class DiskPanel:
    """The panel's components and handlers (handlers are plain functions, callable in tests)."""

    summary: Any
    choice: Any
    models: Any
    days: Any
    include_loras: Any
    plan_text: Any
    permanent: Any
    confirm: Any
    result: Any
    plan_state: Any
    scan: Any
    plan: Any
    execute: Any


def build_disk_panel(controller: TrackerController) -> DiskPanel:
    """Create the panel inside the current Gradio context and wire its events."""
    import gradio as gr

    with gr.Accordion("Disk & cleanup", open=False, elem_id="mt-disk"), gr.Column(elem_id="mt-disk-panel"):
        scan_button = gr.Button("Scan disk", elem_id="mt-disk-scan", scale=0, size="sm")
        # Results below their button, in a box of bounded height: the cleanup controls stay close.
        summary = gr.Markdown("Press **Scan disk** to see what each model takes.", elem_id="mt-disk-summary",
                              elem_classes=["mt-panel-table", "mt-scroll"])
        # The choices on one line of their own, so the controls stay compact below the scan's results.
        choice = gr.Radio(CHOICES, value="orphans", label="Remove", elem_id="mt-clean-choice")
        with gr.Row(equal_height=True):
            models = gr.Dropdown([], value=[], multiselect=True, label="Models (for “Selected models”)",
                                 elem_id="mt-clean-models")
            days = gr.Number(value=90, minimum=0, label="Days (for “Unused for N days”)", elem_id="mt-clean-days")
            include_loras = gr.Checkbox(False, label="Include LoRAs no definition ships", elem_id="mt-clean-loras")
        plan_button = gr.Button("Build plan (removes nothing)", elem_id="mt-clean-plan", scale=0, size="sm")
        plan_text = gr.Markdown("", elem_id="mt-clean-plan-text", elem_classes=["mt-panel-table", "mt-scroll"])
        permanent = gr.Checkbox(False, label="Delete permanently instead of moving to the trash",
                                elem_id="mt-clean-permanent")
        confirm = gr.Button("Confirm: remove exactly these files", variant="stop", interactive=False,
                            elem_id="mt-clean-confirm", scale=0)
        result = gr.Markdown("", elem_id="mt-clean-result")
        plan_state = gr.State(None)

    def scan() -> tuple:
        report = current_report(controller)
        choices = [(f"{m.name} ({m.model_type})", m.model_type) for m in report.models]
        return disk_markdown(report, usage_notes(controller)), gr.update(choices=choices)

    def plan(choice_value: str, model_values: list[str] | None, days_value: float | None, loras: bool) -> tuple:
        text, data = make_plan(controller, choice_value, model_values, days_value, bool(loras))
        return text, data, gr.update(interactive=data is not None), ""

    def execute(plan_data: dict | None, permanent_value: bool) -> tuple:
        text = run_plan(controller, plan_data, bool(permanent_value))
        report = current_report(controller)
        return text, None, gr.update(interactive=False), disk_markdown(report, usage_notes(controller))

    scan_button.click(scan, None, [summary, models])
    plan_button.click(plan, [choice, models, days, include_loras], [plan_text, plan_state, confirm, result])
    # Any change to the choice invalidates a plan already shown: Confirm waits for a new one.
    for widget in (choice, models, days, include_loras):
        widget.change(lambda: (None, gr.update(interactive=False), ""), None, [plan_state, confirm, plan_text])
    confirm.click(execute, [plan_state, permanent], [result, plan_state, confirm, summary])
    return DiskPanel(summary, choice, models, days, include_loras, plan_text, permanent, confirm, result, plan_state,
                     scan, plan, execute)
