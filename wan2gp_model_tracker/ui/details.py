"""The detail view of one model in the tab, as Markdown: files, figures and their sources, fit, alternatives."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..fit.estimator import ModelMetrics
from ..fit.hardware import FitVerdict
from ..fit.measured import describe_peak
from ..records import MeasuredPeak, ModelRecord, ModelStatus
from ..render.formatting import download_cell, format_gb, printable, status_label
from ..render.markdown import md_code, md_escape, model_detail_markdown
from ..render.renderers import shared_tools_line
from ..render.usage import measured_text
from .tracker_data import TrackerData


def _alternatives(data: TrackerData, model_types: Sequence[str]) -> list[str]:
    lines = []
    for model_type in model_types:
        other = data.inventory.get(model_type)
        if other is None:
            continue
        to_get = "" if other.status is ModelStatus.DOWNLOADED else f", {download_cell(other)} to download"
        lines.append(f"- {status_label(other.status)} {md_escape(other.name)} ({md_code(model_type)}{to_get})")
    absent = [t for t in model_types if data.inventory.get(t) is None]
    if absent:
        lines.append(f"- not in this catalog: {', '.join(md_code(t) for t in absent)}")
    return lines


def detail_markdown(data: TrackerData, model_type: str, budget_gb: float | None, ram_gb: float | None = None) -> str:
    """The detail view of one model: status and files first, then figures, sources and alternatives."""
    model = data.inventory.get(model_type)
    if model is None:
        return "Select a model in the table to see its files and alternatives."
    metrics = data.metrics.get(model_type)
    fit = data.fits(budget_gb, ram_gb).get(model_type)
    out = [f"Architecture {md_code(model.architecture)} · family {md_escape(model.family)} · output "
           f"{md_escape(model.output_type)}" + (" · finetune" if model.is_finetune else "") +
           (f" · defined in {md_code(model.definition_path)}" if model.definition_path else "")]
    if model.description:
        out += ["", md_escape(model.description)]
    out += ["", "#### Files", ""] + model_detail_markdown(model)[2:]
    if model.missing_files:
        out += ["", f"**Before generating, Wan2GP would download {download_summary(model)}.**"]
    if data.inventory.shared_files is not None:
        out += ["", md_escape(shared_tools_line(data.inventory))]
    if model.other_variants_on_disk:
        names = ", ".join(f"{md_escape(v.filename)} ({v.variant or '16-bit'})" for v in model.other_variants_on_disk)
        out += ["", f"💡 Already on disk in another quantization: {names}. Switching Wan2GP's quantization "
                "setting to match would use it instead of downloading."]
    if metrics is not None:
        out += ["", "#### Performance", "", *metrics_markdown(metrics, data.measured_peak(model_type))]
    used = data.usage.get(model_type)
    peaks = data.measured.get(model_type, ())
    if used is not None or peaks:
        out += ["", "#### On this machine", ""]
    if used is not None:
        out += [f"- **Generations:** {used.generations} · **last used:** {used.last_used:%Y-%m-%d %H:%M}",
                f"- **Measured speed:** {md_escape(measured_text(used.speed))}" if used.speed is not None
                else "- **Measured speed:** no output recorded its generation time"]
        if used.speed_by_profile:
            out.append("- **Measured speed per profile:** " + " · ".join(
                f"profile {md_escape(p)}: {md_escape(speed.short())}" for p, speed in used.speed_by_profile.items()))
    out += [f"- ⏱ {md_escape(describe_peak(p))} on {md_escape(p.gpu_name)}" for p in peaks]
    if fit is not None:
        out += ["", *fit_markdown(fit, fit_budget_label(data, budget_gb, ram_gb))]
    if metrics is not None and metrics.citations:
        out += ["", "#### Sources", "", *citations_markdown(metrics)]
    if metrics is not None and metrics.similar_faster:
        out += ["", "**Faster alternatives:**", "", *_alternatives(data, metrics.similar_faster)]
    if metrics is not None and metrics.similar_higher_quality:
        out += ["", "**Higher-quality alternatives:**", "", *_alternatives(data, metrics.similar_higher_quality)]
    return printable("\n".join(out))


def download_summary(model: ModelRecord) -> str:
    """ "2 files, ~14.0 GB", "1 file of unknown size", "3 files, ~5.0 GB plus 1 of unknown size"."""
    missing = model.missing_files
    unknown = sum(1 for f in missing if f.size_bytes is None)
    if unknown == len(missing):
        return f"{_plural(len(missing), 'file')} of unknown size"
    text = f"{_plural(len(missing), 'file')}, {format_gb(model.download_bytes, model.download_is_estimate)}"
    return text + (f" plus {unknown} of unknown size" if unknown else "")


FIGURE_LABELS = {
    "params_b": "parameters (billions)", "checkpoint_gb": "checkpoint size (GB)", "vram_min_gb": "minimum VRAM (GB)",
    "vram_recommended_gb": "recommended VRAM (GB)", "vram_max_gb": "largest VRAM use reported (GB)",
    "ram_gb": "RAM (GB)", "speed_multiplier": "speed vs Wan2.1 t2v 14B", "speed_tier": "speed tier",
    "quality_tier": "quality tier", "best_for": "best for",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def metrics_markdown(metrics: ModelMetrics, measured: MeasuredPeak | None = None) -> list[str]:
    """Speed, VRAM, RAM, quality and where the figures come from, as a list; ``measured`` beside the modelled
    VRAM and RAM (the peak measured on this machine at the default workload)."""
    cells = metrics.table_cells()
    multiplier = metrics.figure("speed_multiplier")
    theoretical = ", theoretical" if metrics.provenance_of("speed_multiplier") in ("derived", "estimated") else ""
    lines = [
        f"- **Speed:** {cells['speed']}" + (f" (×{multiplier:g} vs Wan2.1 t2v 14B{theoretical})" if multiplier else ""),
        f"- **VRAM:** {cells['vram (GB)']} GB · **RAM:** {cells['ram (GB)']} GB"
        + (f" · ⏱ {md_escape(describe_peak(measured))}" if measured is not None else ""),
        f"- **Quality:** {cells['quality']}",
        f"- **Best for:** {md_escape(cells['best for'])}",
        f"- **Where the figures come from:** {md_escape(plain_words(metrics.basis))}",
    ]
    memory = metrics.memory or (metrics.estimate.memory if metrics.estimate is not None else None)
    if memory is not None and memory.weights_basis:
        lines.append(f"- **Weight sizes from:** {md_escape(memory.weights_basis)}; block split from "
                     f"{md_escape(memory.transformer_split.basis)}")
    if metrics.notes:
        lines.append(f"- **Notes:** {md_escape(metrics.notes)}")
    return lines


_DEF_REF = re.compile(r"\bDEF:(\S+?)(?=[\s,;:)]|$)")


def plain_words(text: str) -> str:
    """Internal shorthand in figure notes made readable: "DEF:t2v" is Wan2GP's t2v definition."""
    text = _DEF_REF.sub(lambda m: f"Wan2GP's {m.group(1)} definition", text)
    return re.sub(r"\bcurated\b", "published", text)


def citations_markdown(metrics: ModelMetrics) -> list[str]:
    """One line per curated figure: its value, provenance and source."""
    lines = []
    for name, citation in metrics.citations.items():
        where = f"[{md_escape(citation.source)}]({citation.url})" if citation.url else md_escape(citation.source)
        extra = "; ".join(md_escape(plain_words(part)) for part in (citation.detail, citation.conditions) if part)
        lines.append(f"- {FIGURE_LABELS.get(name, name)} = {md_escape(str(metrics.figure(name)))}: "
                     f"{citation.provenance}, {where}" + (f" ({extra})" if extra else ""))
    return lines


def fit_budget_label(data: TrackerData, budget_gb: float | None, ram_gb: float | None = None) -> str:
    budget = budget_gb or data.hardware.default_vram_budget_gb
    ram = ram_gb or data.hardware.ram_total_gb
    if not budget:
        return "this machine"
    return f"{budget:g} GB VRAM" + (f" / {ram:g} GB RAM" if ram else "")


def fit_markdown(fit: FitVerdict, machine: str) -> list[str]:
    """The verdict, what sets it, what to change and what fits (the memory model's figures)."""
    lines = [f"**Fit on {machine}:** {fit.verdict} — {md_escape(fit.reason)}"]
    if fit.vram_need_gb is not None:
        chosen = fit.profiles.get(fit.profile)
        measured = " (measured on this machine)" if chosen is not None and chosen.measured else ""
        lines.append(f"- Profile {md_escape(fit.profile)}: about {fit.vram_need_gb:g} GB VRAM and "
                     f"{fit.ram_need_gb:g} GB RAM{measured}")
    if fit.limit:
        lines.append(f"- To run it: {md_escape(fit.limit)}")
    if fit.what_fits is not None and fit.verdict != "incompatible":
        lines.append(f"- On {machine}: {md_escape(fit.what_fits.describe())}")
    elif fit.profile_hint:
        lines.append(f"- {md_escape(fit.profile_hint)}")
    if fit.ram_note and not fit.ram_ok:
        lines.append(f"- ⚠ {md_escape(fit.ram_note)}")
    if fit.profiles:
        lines += ["", "| Wan2GP profile | VRAM (GB) | RAM (GB) | pinned RAM (GB) | verdict |", "|---|---|---|---|---|"]
        for name, row in fit.profiles.items():
            note = f" ({md_escape(row.note)})" if row.note else ""
            measured = " (measured)" if row.measured else ""
            lines.append(f"| {md_escape(name)} | {row.vram_gb:.1f}{measured} | {row.ram_gb:.1f} | "
                         f"{row.pinned_ram_gb:.1f} | {row.verdict}{note} |")
        lines.append("Wan2GP's profile texts name a card per profile (24 GB for 1/3/3+, 12 GB for 2/4/4+, 10 GB for "
                     "5): guidance for the card a profile suits, not a minimum.")
    return lines
