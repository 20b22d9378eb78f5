"""Small text helpers shared by every renderer."""

from __future__ import annotations

from ..records import ModelRecord, ModelStatus

# Wan2GP's own model-selector marks (HOST.md section 6), plus one of ours for definitions it cannot load.
STATUS_MARKS = {
    ModelStatus.DOWNLOADED: "🟦",
    ModelStatus.PARTIAL: "🟨",
    ModelStatus.MISSING: "⬛",
    ModelStatus.ERROR: "🟥",
}
DAMAGED_MARK = "⚠"
LEGEND_MARKS = ("🟦 downloaded · 🟨 partial · ⬛ missing · 🟥 error (Wan2GP cannot load it) · ⚠ a file on disk looks"
                " damaged · ~ estimated · * estimated tier · ? size unknown · — none or not documented")


def status_label(status: ModelStatus, damaged: bool = False) -> str:
    """A status readable without colour: mark and word, and ⚠ when a present file looks damaged."""
    return f"{STATUS_MARKS[status]} {status.value}" + (f" {DAMAGED_MARK}" if damaged else "")


def format_gb(size_bytes: int | None, estimate: bool = False, unknown: str = "?") -> str:
    """Decimal gigabytes as Wan2GP users read them; "~" marks an estimate."""
    if size_bytes is None:
        return unknown
    value = size_bytes / 1e9
    text = f"{value:.1f} GB" if value >= 0.1 or value == 0 else f"{size_bytes / 1e6:.0f} MB"
    return f"~{text}" if estimate and size_bytes else text


def download_cell(model: ModelRecord) -> str:
    """What a generation would fetch first: "—" when nothing, "?" for sizes nobody can tell (never zero)."""
    missing = model.missing_files
    if not missing:
        return "—"
    unknown = sum(1 for f in missing if f.size_bytes is None)
    if unknown == len(missing):
        return f"? ({unknown} file{'' if unknown == 1 else 's'})"
    text = format_gb(model.download_bytes, model.download_is_estimate)
    return f"{text} + ?" if unknown else text
