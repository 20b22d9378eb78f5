"""Small text helpers shared by every renderer."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..fileio import printable as printable  # re-exported: renderers and the UI escape with it
from ..records import ModelRecord, ModelStatus
from ..units import format_gb as format_gb  # re-exported: every renderer writes sizes with it

# Wan2GP's own model-selector marks (HOST.md section 6), plus one of ours for definitions it cannot load.
STATUS_MARKS = {
    ModelStatus.DOWNLOADED: "🟦",
    ModelStatus.PARTIAL: "🟨",
    ModelStatus.MISSING: "⬛",
    ModelStatus.ERROR: "🟥",
}
DAMAGED_MARK = "⚠"
# A figure measured on this machine rather than modelled or published.
MEASURED_MARK = "⏱"
_MARKS_LEGEND = ("🟦 downloaded", "🟨 partial", "⬛ missing", "🟥 error (Wan2GP cannot load it)",
                 f"{DAMAGED_MARK} a file on disk looks damaged")
_FIGURES_LEGEND = ("~ estimated", "* estimated tier", "? size unknown", "— none or not documented")
LEGEND_MARKS = " · ".join((*_MARKS_LEGEND, *_FIGURES_LEGEND))


def status_label(status: ModelStatus, damaged: bool = False) -> str:
    """A status readable without colour: mark and word, and ⚠ when a present file looks damaged."""
    return f"{STATUS_MARKS[status]} {status.value}" + (f" {DAMAGED_MARK}" if damaged else "")


def status_cell(model: ModelRecord) -> str:
    """The status as the table shows it: Wan2GP's verdict, flagged when a file looks damaged or it may claim
    too much."""
    label = status_label(model.status, bool(model.damaged_files))
    return f"{label} (may be incomplete)" if model.completeness_note else label


INCOMPLETE_MARK = "◐"
ERRORS_MARK = "!"
# The terminal's narrow status column shows these marks in place of words.
TERMINAL_LEGEND = " · ".join((*_MARKS_LEGEND, f"{INCOMPLETE_MARK} may be incomplete (Wan2GP's handlers may add files)",
                              f"{ERRORS_MARK} errors (--details)", *_FIGURES_LEGEND))


def status_marks(model: ModelRecord) -> str:
    """The status as marks alone, for narrow tables; ``TERMINAL_LEGEND`` explains them once."""
    flags = ((DAMAGED_MARK, bool(model.damaged_files)), (INCOMPLETE_MARK, bool(model.completeness_note)),
             (ERRORS_MARK, bool(model.errors) and model.status is not ModelStatus.ERROR))
    extra = "".join(mark for mark, on in flags if on)
    return STATUS_MARKS[model.status] + (f" {extra}" if extra else "")


# Control characters (C0, DEL, C1) and Unicode line/paragraph separators move the cursor, clear
# the screen or start OSC sequences (hyperlinks, window titles) in a terminal.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))} | {
    0x2028: "\\u2028", 0x2029: "\\u2029"}


def terminal_text(text: str) -> str:
    """One line of text safe to print: control characters and escape sequences shown as ``\\x..``."""
    return printable(text).translate(_CONTROL)


# CSV keeps line breaks and tabs (quoted cells hold them) but not escape sequences, which a terminal would run.
_CSV_CONTROL = {c: text for c, text in _CONTROL.items() if chr(c) not in "\n\t"}
# OWASP's CSV injection advice: a cell starting with one of these is read as a formula by spreadsheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: formula-like strings get a leading ``'``.

    Numbers stay numbers (``-1.5`` is not a formula), and so does a lone ``-`` (an empty cell);
    carriage returns become newlines so the csv module quotes the cell instead of letting a
    bare ``\\r`` end the row; other control characters are shown as ``\\x..`` escapes.
    """
    if not isinstance(value, str):
        return value
    text = printable(value).replace("\r\n", "\n").replace("\r", "\n").translate(_CSV_CONTROL)
    if value.startswith(_FORMULA_STARTS) and value not in ("-", "+") and not _is_number(value):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text


_UNITS = (("GB", 1e9), ("MB", 1e6), ("KB", 1e3))


def size_unit(sizes: Iterable[int | None]) -> tuple[str, float]:
    """The one unit a column of sizes is written in: the largest one's (GB, MB or KB)."""
    largest = max((s for s in sizes if s), default=0)
    return next(((name, factor) for name, factor in _UNITS if largest >= factor), _UNITS[-1])


def format_in_unit(size_bytes: int | None, factor: float, estimate: bool = False) -> str:
    """A size as a number in a column's unit (named in its header); "<0.1" rather than a zero for crumbs."""
    if size_bytes is None:
        return "?"
    value = size_bytes / factor
    text = f"{value:.1f}" if value >= 0.05 or size_bytes == 0 else "<0.1"
    return f"~{text}" if estimate and size_bytes else text


def download_cell(model: ModelRecord, size_text: Callable[[int, bool], str] | None = None) -> str:
    """What a generation would fetch first: "—" when nothing, "?" for sizes nobody can tell (never zero);
    ``size_text`` writes the known bytes (default: ``format_gb``)."""
    missing = model.missing_files
    if not missing:
        return "?" if model.completeness_note else "—"
    unknown = sum(1 for f in missing if f.size_bytes is None)
    if unknown == len(missing):
        return f"? ({unknown} file{'' if unknown == 1 else 's'})"
    text = (size_text or format_gb)(model.download_bytes, model.download_is_estimate)
    return f"{text} + ?" if unknown else text
