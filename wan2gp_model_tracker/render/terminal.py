"""Aligned text tables that fit a terminal: lower-value columns go first, then long names are cut."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size

GAP = "  "
# Never dropped, however narrow the terminal; the widest of them is cut instead.
_MIN_CUT_WIDTH = 12


@dataclass(frozen=True)
class FittedTable:
    lines: list[str]
    hidden: tuple[str, ...]


def _widths(rows: Sequence[Mapping[str, str]], columns: Sequence[str]) -> dict[str, int]:
    return {c: max(cell_len(c), *(cell_len(r.get(c, "")) for r in rows)) for c in columns}


def _cut(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"


def fit_table(rows: Sequence[Mapping[str, str]], columns: Sequence[str], width: int | None,
              drop_order: Sequence[str] = (), keep: Sequence[str] = ()) -> FittedTable:
    """Lay ``rows`` out in ``columns``; within ``width`` cells (None: no limit) columns in ``drop_order``
    go first to last, then the widest column of ``keep`` is cut with "…"."""
    shown = list(columns)
    widths = _widths(rows, shown)

    def total() -> int:
        return sum(widths[c] for c in shown) + len(GAP) * (len(shown) - 1)

    hidden = []
    if width is not None:
        for column in drop_order:
            if total() <= width:
                break
            if column in shown and column not in keep:
                shown.remove(column)
                hidden.append(column)
        while total() > width:
            widest = max((c for c in shown if c in keep), key=lambda c: widths[c], default=None)
            if widest is None or widths[widest] <= _MIN_CUT_WIDTH:
                break
            widths[widest] = max(_MIN_CUT_WIDTH, widths[widest] - (total() - width))

    def line(cells: Mapping[str, str]) -> str:
        return GAP.join(set_cell_size(_cut(cells.get(c, ""), widths[c]), widths[c]) for c in shown).rstrip()

    lines = [line({c: _cut(c.upper(), widths[c]) for c in shown})] + [line(r) for r in rows]
    return FittedTable(lines, tuple(hidden))


def wrap_text(text: str, width: int | None, indent: str = "") -> list[str]:
    """A line of prose wrapped to ``width`` (None: left as it is)."""
    if width is None or cell_len(text) <= width:
        return [text]
    return textwrap.wrap(text, width=max(width, 20), subsequent_indent=indent, break_on_hyphens=False) or [text]
