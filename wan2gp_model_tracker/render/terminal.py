"""Text tables and prose for terminals, laid out by rich: display width in cells (emoji and wide characters
count double), wrapping at word boundaries, columns kept by priority.

With a width, essential columns stay as long as their narrowest useful form fits and the others appear only
when the whole table fits unwrapped; without one (piped output), every column at its natural width.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

GAP = 2
# A wrapping column is never made narrower than this (a long word in it is folded instead).
MIN_WRAP_WIDTH = 14
# Wrapped prose keeps at least this many cells per line, however narrow the terminal claims to be.
MIN_PROSE_WIDTH = 20


@dataclass(frozen=True)
class Column:
    """One table column: ``key`` in the rows, the ``header`` shown, whether it must stay (``essential``),
    whether long text wraps (names) or stays on one line (numbers, marks)."""

    key: str
    header: str
    essential: bool = False
    wrap: bool = False
    justify: Literal["left", "right"] = "left"


@dataclass(frozen=True)
class TableText:
    lines: tuple[str, ...]
    hidden: tuple[str, ...]  # headers of the columns left out to fit the width


def _values(column: Column, rows: Sequence[Mapping[str, str]]) -> int:
    return max((cell_len(row.get(column.key, "")) for row in rows), default=0)


def _natural(column: Column, rows: Sequence[Mapping[str, str]]) -> int:
    return max(cell_len(column.header), _values(column, rows))


def _two_line_header(header: str) -> int:
    """The narrowest width at which ``header`` wraps to at most two lines ("ON DISK" over "(GB)")."""
    words = [cell_len(w) for w in header.split()] or [0]
    for width in range(max(words), cell_len(header)):
        lines, used = 1, -1
        for word in words:
            used += word + 1
            if used > width:
                lines, used = lines + 1, word
        if lines <= 2:
            return width
    return cell_len(header)


def _minimum(column: Column, rows: Sequence[Mapping[str, str]]) -> int:
    """The narrowest a column is shown: a one-line column at its values' width (its header on two lines),
    a wrapping column down to ``MIN_WRAP_WIDTH``."""
    if not column.wrap:
        return max(_values(column, rows), _two_line_header(column.header))
    longest_header_word = max((cell_len(w) for w in column.header.split()), default=0)
    return min(_natural(column, rows), max(MIN_WRAP_WIDTH, longest_header_word))


def _fitted(column: Column, rows: Sequence[Mapping[str, str]]) -> int:
    """The width a column takes within a width: long text unwrapped, headers of one-line columns on two lines."""
    return _natural(column, rows) if column.wrap else _minimum(column, rows)


def choose_columns(rows: Sequence[Mapping[str, str]], columns: Sequence[Column], priority: Sequence[str],
                   width: int | None) -> list[Column]:
    """The columns shown, in their display order: every one without a width; else essential columns in
    ``priority`` order while their minimum widths fit, then the others while no text has to wrap."""
    if width is None:
        return list(columns)
    by_key = {c.key: c for c in columns}
    ordered = [by_key[k] for k in priority if k in by_key] + [c for c in columns if c.key not in priority]
    kept: list[Column] = []

    def total(chosen: Sequence[Column], measure) -> int:
        return sum(measure(c, rows) for c in chosen) + GAP * (len(chosen) - 1)

    for column in (c for c in ordered if c.essential):
        if not kept or total([*kept, column], _minimum) <= width:
            kept.append(column)
    for column in (c for c in ordered if not c.essential):
        if total([*kept, column], _fitted) <= width:
            kept.append(column)
    return [c for c in columns if c in kept]


def _console(width: int) -> Console:
    # A console writing into a string: no colour, no terminal detection, the width given.
    return Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False, legacy_windows=False,
                   emoji=False, markup=False, highlight=False, soft_wrap=False)


def _render(renderable: object, width: int) -> list[str]:
    console = _console(width)
    console.print(renderable)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return [line.rstrip() for line in text.splitlines()]


def table_lines(rows: Sequence[Mapping[str, str]], columns: Sequence[Column], width: int | None,
                priority: Sequence[str] = ()) -> TableText:
    """``rows`` laid out under upper-case headers within ``width`` cells (None: no limit)."""
    shown = choose_columns(rows, columns, priority or [c.key for c in columns], width)
    hidden = tuple(c.header for c in columns if c not in shown)
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, GAP // 2), header_style="",
                  expand=False, show_header=True)
    measure = _natural if width is None else _fitted
    for column in shown:
        # Within a width a one-line column is exactly as wide as its values: only its header wraps.
        fixed = None if width is None or column.wrap else _minimum(column, rows)
        table.add_column(Text(column.header.upper()), justify=column.justify, overflow="fold", width=fixed,
                         no_wrap=width is None, min_width=_minimum(column, rows) if column.wrap and width else None)
    for row in rows:
        table.add_row(*(Text(row.get(c.key, "")) for c in shown))
    natural = sum(measure(c, rows) for c in shown) + GAP * max(len(shown) - 1, 0)
    return TableText(tuple(_render(table, natural if width is None else min(width, natural))), hidden)


def wrap_text(text: str, width: int | None, indent: str = "") -> list[str]:
    """A line of prose wrapped at word boundaries to ``width`` cells (None: left as it is); continuation
    lines start with ``indent``; a single word longer than a line is folded."""
    if width is None or cell_len(text) <= width:
        return [text]
    width = max(width, MIN_PROSE_WIDTH)
    indent = indent if cell_len(indent) <= width // 4 else ""  # a deep indent would leave no room for words
    inner = width - cell_len(indent)
    wrapped = Text(text).wrap(_console(inner), inner, overflow="fold")
    return [("" if i == 0 else indent) + line.plain.rstrip() for i, line in enumerate(wrapped)]


def wrap_lines(lines: Sequence[str], width: int | None, indent: str = "  ") -> list[str]:
    """Each line wrapped by ``wrap_text``, continuation lines indented one step deeper than the line."""
    out: list[str] = []
    for line in lines:
        lead = line[: len(line) - len(line.lstrip(" "))]
        out += wrap_text(line, width, lead + indent)
    return out
