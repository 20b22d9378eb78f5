"""The command line in a real pseudo-terminal over the real 217-model catalog: every line, spinner included, fits
the terminal's width in display cells; the columns people run ``inventory`` for are there at 100 columns."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

pytestmark = pytest.mark.usefixtures("data_folder")

# Cursor movement, colours, hide/show cursor (CSI) and window titles (OSC): what a spinner draws with.
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>]")


def in_terminal(argv: list[str], columns: int, timeout: float = 120) -> tuple[int, list[str]]:
    """Run the command line on a pseudo-terminal ``columns`` wide; the exit code and every line drawn, with
    each carriage-return overwrite (a spinner's frames) counted as a line of its own."""
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "40", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "wan2gp_model_tracker", *argv], stdin=terminal,
                               stdout=terminal, stderr=terminal, env=env, close_fds=True)
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end closed: everything has been read
                break
            if not chunk:
                break
            shown += chunk
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
    text = _ESCAPES.sub("", shown.decode("utf-8", "replace"))
    return code, [part for line in text.split("\r\n") for part in line.split("\r")]


def too_wide(lines: list[str], columns: int) -> list[str]:
    return [line for line in lines if cell_len(line) > columns]


@pytest.fixture(scope="module")
def install(real_catalog_dir: Path, tmp_path_factory) -> Path:
    """A Wan2GP folder holding the real catalog, Wan2.1 t2v's int8 weights and the text encoder its handler adds
    (so Vace 14B is partial) and a damaged Flux file."""
    from wan2gp_fixture import WanFolder

    wan = WanFolder(tmp_path_factory.mktemp("real") / "Wan2GP")
    for path in real_catalog_dir.glob("*.json"):
        (wan.root / "defaults" / path.name).write_bytes(path.read_bytes())
    wan.weight("ckpts/wan2.1_text2video_14B_quanto_mbf16_int8.safetensors")
    wan.weight("ckpts/umt5-xxl/models_t5_umt5-xxl-enc-quanto_int8.safetensors")
    (wan.root / "ckpts" / "flux1-dev_quanto_bf16_int8.safetensors").write_bytes(b"not a safetensors file")
    return wan.root


@pytest.mark.parametrize("columns", [100, 60])
def test_inventory_fits_the_terminal(install, columns):
    code, lines = in_terminal(["inventory", "--wan2gp", str(install), "--vram", "12"], columns)
    assert code == 0 and len(lines) > 217
    assert any("Scanning the model definitions" in line for line in lines)  # the spinner was drawn, and measured
    assert too_wide(lines, columns) == []


def test_inventory_at_100_columns_shows_the_columns_people_run_it_for(install):
    _, lines = in_terminal(["inventory", "--wan2gp", str(install), "--vram", "12"], 100)
    at = next(i for i, line in enumerate(lines) if "NAME" in line and "FIT" in line)
    header = lines[at - 1: at + 1]  # a header may wrap to two lines ("ON DISK" over "(GB)"), bottom-aligned
    names = ["NAME", "ON DISK", "TO DOWNLOAD", "VRAM", "FIT"]
    positions = [max(line.find(name) for line in header) for name in names]
    assert -1 not in positions and positions == sorted(positions), header
    assert lines[at].startswith(" ")  # the status marks' column comes first
    t2v = next(line for line in lines if "Wan2.1 Text2video 14B " in line)
    assert t2v.startswith("🟦") and "◐" not in t2v  # downloaded: the handler table names its text encoder
    assert any(line.startswith("🟨") and "Vace 14B" in line for line in lines)
    assert not any("(may be incomplete)" in line for line in lines)
    legend = " ".join(lines)
    assert "◐ may be incomplete" in legend and "⚠ a file on disk looks damaged" in legend


def test_inventory_leads_with_its_summary(install):
    _, lines = in_terminal(["inventory", "--wan2gp", str(install)], 100)
    first = next(line for line in lines if line.strip() and "Scanning" not in line)
    assert first.startswith("217 models: ")


def test_one_unit_per_size_column(install):
    _, lines = in_terminal(["inventory", "--wan2gp", str(install), "--vram", "12"], 100)
    table = [line for line in lines if line[:1] in ("🟦", "🟨", "⬛", "🟥")]
    assert table and not any(re.search(r"\d (GB|MB|KB)\b", line) for line in table)


def test_details_wrap_at_word_boundaries(install):
    piped = subprocess.run([sys.executable, "-m", "wan2gp_model_tracker", "inventory", "--wan2gp", str(install),
                            "--details", "t2v", "vace_14B", "flux"], capture_output=True, text=True, timeout=120,
                           env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    file_lines = [line for line in piped.stdout.splitlines() if line.startswith(("  ✓ ", "  ✗ "))]
    words = {word for line in file_lines for word in line.split() if cell_len(word) <= 50}
    assert file_lines and any(cell_len(line) > 60 for line in file_lines)  # there is something to wrap
    code, lines = in_terminal(["inventory", "--wan2gp", str(install), "--details", "t2v", "vace_14B", "flux"], 60)
    assert code == 0 and too_wide(lines, 60) == []
    shown = {word for line in lines for word in line.split()}
    assert words - shown == set()


@pytest.mark.parametrize("columns", [100, 60])
@pytest.mark.parametrize("command", [["disk"], ["recommend", "--vram", "12"], ["hardware"], ["usage"],
                                     ["cleanup", "--plan", "--models", "t2v"],
                                     ["download", "--dry-run", "--no-network", "t2v_2_2", "vace_1.3"]])
def test_every_command_fits_the_terminal(install, command, columns):
    code, lines = in_terminal([*command, "--wan2gp", str(install)], columns)
    assert code == 0, lines
    assert too_wide(lines, columns) == []


def test_hardware_s_first_line_fits(install):
    _, lines = in_terminal(["hardware"], 60)
    assert lines[0] and cell_len(lines[0]) <= 60


def test_recommend_never_says_nothing_to_download_for_a_model_it_cannot_size(install):
    _, lines = in_terminal(["recommend", "--wan2gp", str(install), "--vram", "12", "--wide"], 100)
    assert lines and not any("~0 GB to download" in line or " 0 GB to download" in line for line in lines)


def test_a_name_is_answered_with_the_model_it_took(install):
    code, lines = in_terminal(["download", "--dry-run", "--no-network", "vace_1.3", "--wan2gp", str(install)], 100)
    assert code == 0 and "`vace_1.3` is Vace 1.3B (`vace_1.3B`): name used in posts" in lines


def test_an_ambiguous_name_lists_the_candidates(install):
    code, lines = in_terminal(["download", "--dry-run", "Lightricks/LTX-2", "--wan2gp", str(install)], 100)
    text = " ".join(lines)
    assert code == 2 and "`ltx2_19B`" in text and "`ltx2_distilled`" in text
