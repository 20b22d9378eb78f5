"""Terminal tables and prose (render/terminal.py): widths in display cells, columns kept by priority, wrapping
at word boundaries, and nothing held back when output is piped."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from wan2gp_model_tracker.render.formatting import format_in_unit, size_unit
from wan2gp_model_tracker.render.terminal import Column, choose_columns, table_lines, wrap_text

COLUMNS = [Column("mark", "", essential=True), Column("name", "name", essential=True, wrap=True),
           Column("model_type", "model type", wrap=True), Column("disk", "on disk (GB)", essential=True,
                                                                  justify="right"),
           Column("best", "best for", wrap=True)]
PRIORITY = ["mark", "name", "disk", "model_type", "best"]
ROWS = [
    {"mark": "🟦 ⚠", "name": "Wan2.2 Image2video SVI 2 Pro Enhanced Lightning v2 14B",
     "model_type": "i2v_2_2_Enhanced_Lightning_v2_svi2pro", "disk": "28.0", "best": "image-to-video, long clips"},
    {"mark": "⬛", "name": "Flux 1 Dev 12B", "model_type": "flux", "disk": "—", "best": "text-to-image"},
    {"mark": "🟨", "name": "画像 生成 モデル", "model_type": "wide_chars", "disk": "0.4", "best": "—"},
]


@pytest.mark.parametrize("width", [30, 45, 60, 80, 100, 140])
def test_every_table_line_fits_the_width_in_display_cells(width):
    table = table_lines(ROWS, COLUMNS, width, PRIORITY)
    assert table.lines and all(cell_len(line) <= width for line in table.lines)


def test_essential_columns_stay_and_the_others_appear_only_when_the_table_fits_unwrapped():
    assert [c.key for c in choose_columns(ROWS, COLUMNS, PRIORITY, 60)] == ["mark", "name", "disk"]
    wide = [c.key for c in choose_columns(ROWS, COLUMNS, PRIORITY, 200)]
    assert wide == ["mark", "name", "model_type", "disk", "best"]  # display order, not priority order


def test_a_column_that_cannot_fit_even_narrowed_is_hidden_and_named():
    table = table_lines(ROWS, COLUMNS, 24, PRIORITY)
    assert "on disk (GB)" in table.hidden and "ON DISK" not in "\n".join(table.lines)


def test_without_a_width_every_column_is_shown_at_its_natural_width():
    table = table_lines(ROWS, COLUMNS, None, PRIORITY)
    assert table.hidden == ()
    assert any("Wan2.2 Image2video SVI 2 Pro Enhanced Lightning v2 14B" in line for line in table.lines)
    assert "BEST FOR" in table.lines[0]


def test_long_names_wrap_at_spaces_and_numbers_stay_right_aligned():
    lines = table_lines(ROWS, COLUMNS, 40, PRIORITY).lines
    assert all(word in " ".join(lines).split() for word in ROWS[0]["name"].split())
    first_row = next(line for line in lines if line.startswith("🟦"))
    assert first_row.endswith("28.0")


def test_markup_in_cells_is_shown_as_text():
    rows = [{"mark": "⬛", "name": "[bold red]not markup[/]", "disk": "1.0"}]
    lines = table_lines(rows, COLUMNS[:2] + COLUMNS[3:4], 80).lines
    assert any("[bold red]not markup[/]" in line for line in lines)


# rich lays out every example: on a loaded machine one can take longer than Hypothesis's default 200 ms.
SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                        max_size=12), min_size=1, max_size=30), st.integers(min_value=20, max_value=120))
def test_wrapped_prose_fits_and_keeps_every_word_that_fits_a_line(words, width):
    words = [w for w in (w.replace(" ", "") for w in words) if w.strip()]
    text = " ".join(words)
    lines = wrap_text(text, width, "  ")
    assert all(cell_len(line) <= width for line in lines)
    shown = " ".join(lines).split()
    for word in words:
        if cell_len(word) <= width - 2 and word.strip() == word and word.isprintable():
            assert word in shown


def test_prose_is_left_alone_without_a_width():
    text = "a line " * 40
    assert wrap_text(text, None) == [text]


@pytest.mark.parametrize(("sizes", "unit"), [([8_000_000, 22_000_000_000], "GB"), ([8_000_000, 500_000], "MB"),
                                             ([None, 0, 2_000], "KB")])
def test_a_size_column_takes_the_unit_of_its_largest_value(sizes, unit):
    assert size_unit(sizes)[0] == unit


def test_sizes_in_a_unit_never_read_as_zero():
    factor = size_unit([22_000_000_000])[1]
    assert format_in_unit(8_000_000, factor) == "<0.1"
    assert format_in_unit(0, factor) == "0.0" and format_in_unit(None, factor) == "?"
    assert format_in_unit(22_000_000_000, factor, estimate=True) == "~22.0"


_CELL = st.text(alphabet=st.sampled_from(list("abc XYZ-_.()0123456789") + ["🟦", "⚠", "画", "é", "—", "~"]),
                max_size=40)


@SLOW
@given(st.lists(st.fixed_dictionaries({c.key: _CELL for c in COLUMNS}), min_size=1, max_size=8),
       st.integers(min_value=20, max_value=160))
def test_any_rows_fit_any_width(rows, width):
    table = table_lines(rows, COLUMNS, width, PRIORITY)
    assert all(cell_len(line) <= width for line in table.lines)
    assert table.lines[0].strip() or len(table.lines) > 1
