"""The measured peak where people look: the tab's details and table (⏱), JSON, CSV, Markdown and the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from test_cli import run
from test_tracker_view import machine
from wan2gp_fixture import url

from wan2gp_model_tracker.catalog.demo import DemoCatalog
from wan2gp_model_tracker.installer import PLUGIN_ID
from wan2gp_model_tracker.records import MeasuredPeak
from wan2gp_model_tracker.render.markdown import render_markdown
from wan2gp_model_tracker.render.renderers import render_csv, render_json, render_table
from wan2gp_model_tracker.ui.details import detail_markdown
from wan2gp_model_tracker.ui.selection import Filters, select_models
from wan2gp_model_tracker.ui.table import table_frame
from wan2gp_model_tracker.ui.view import TrackerController
from wan2gp_model_tracker.usage.measurements import Measurement, record
from wan2gp_model_tracker.usage.store import DB_FILENAME, UsageStore

LINE = "measured: peak 9.8 GB VRAM / 41 GB RAM on profile 4 at 832×480×81 (5 runs)"
PEAK = MeasuredPeak(model_type="t2v", profile="4", width=832, height=480, frames=81, vram_peak_gb=9.8,
                    vram_allocated_gb=9.1, ram_peak_gb=41.0, runs=5, gpu_name="NVIDIA GeForce RTX 4090",
                    gpu_total_gb=24.0)
ELSEWHERE = MeasuredPeak(model_type="t2v", profile="5", width=1280, height=720, frames=81, vram_peak_gb=7.5,
                         vram_allocated_gb=7.0, ram_peak_gb=20.0, runs=1, gpu_name="NVIDIA GeForce RTX 4090",
                         gpu_total_gb=24.0)


@pytest.fixture(scope="module")
def data():
    controller = TrackerController(DemoCatalog(), hardware_probe=machine(8.0, 64.0),
                                   measured_loader=lambda inventory: {"t2v": (PEAK, ELSEWHERE)})
    return controller.data


def test_the_details_show_the_measured_peak_beside_the_modelled_figures(data):
    text = detail_markdown(data, "t2v", None)
    vram_line = next(line for line in text.splitlines() if line.startswith("- **VRAM:**"))
    assert vram_line.endswith(f"· ⏱ {LINE}")
    assert f"- ⏱ {LINE} on NVIDIA GeForce RTX 4090" in text
    assert "measured: peak 7.5 GB VRAM / 20 GB RAM on profile 5 at 1280×720×81 (1 run)" in text


def test_the_verdict_in_the_details_says_what_was_measured(data):
    text = detail_markdown(data, "t2v", 8.0, 32.0)
    fit_line = next(line for line in text.splitlines() if line.startswith("**Fit on"))
    assert "compatible" in fit_line and "profile 4 needs 10.3 GB (measured" in fit_line and LINE in fit_line
    assert "| 4 | 10.3 (measured) | 41.0 |" in text and "| 4+ | 6.0 | 27.1 |" in text


def test_the_details_say_when_the_verdicts_own_figures_are_measured(data):
    assert "- Profile 4: about 10.3 GB VRAM and 41 GB RAM (measured on this machine)" in detail_markdown(
        data, "t2v", 12.0, 48.0)
    assert "(measured on this machine)" not in detail_markdown(data, "t2v", 8.0, 32.0)  # profile 4+ is modelled


def test_a_model_without_measurements_has_no_mark(data):
    assert "measured: peak" not in detail_markdown(data, "t2v_1.3B", None)


def test_the_table_marks_the_vram_column(data):
    frame = table_frame(select_models(data, Filters()), data, None)
    vram = dict(zip(frame["Model type"], frame["VRAM (GB)"], strict=True))
    assert vram["t2v"].endswith(" ⏱") and "⏱" not in vram["t2v_1.3B"]


def test_json_carries_the_peak_the_verdict_used(data):
    fits = data.fits(8.0, 32.0)
    models = json.loads(render_json(data.inventory, metrics=data.metrics, fits=fits,
                                    measured=data.measured_peaks()))["models"]
    by_type = {m["model_type"]: m for m in models}
    assert by_type["t2v"]["measured_peak"] == {
        "model_type": "t2v", "profile": "4", "width": 832, "height": 480, "frames": 81, "vram_peak_gb": 9.8,
        "vram_allocated_gb": 9.1, "ram_peak_gb": 41.0, "runs": 5, "gpu_name": "NVIDIA GeForce RTX 4090",
        "gpu_total_gb": 24.0}
    fit = by_type["t2v"]["fit"]
    # profile 4 is judged by the peak and does not fit 8 GB; the verdict names 4+, whose figures are modelled
    assert (fit["profile"], fit["vram_need_gb"], fit["measured"]) == ("4+", 6.0, LINE)
    assert {k: fit["profiles"]["4"][k] for k in ("vram_gb", "ram_gb", "measured")} == {
        "vram_gb": 10.3, "ram_gb": 41.0, "measured": True}
    assert not fit["profiles"]["4+"]["measured"]
    assert by_type["t2v_1.3B"]["fit"]["measured"] == ""
    assert by_type["t2v_1.3B"]["measured_peak"] is None


def test_terminal_markdown_and_csv_mark_it_too(data):
    extras = {"metrics": data.metrics, "measured": data.measured_peaks()}
    table = render_table(data.inventory, **extras)
    t2v_row = next(line for line in table.splitlines() if " t2v " in f" {line} ")
    assert "⏱" in t2v_row and "⏱ measured on this machine" in table
    markdown = render_markdown(data.inventory, **extras)
    assert any(line.startswith("| ") and "| t2v |" in line and "⏱" in line for line in markdown.splitlines())
    rows = {r["model_type"]: r for r in csv.DictReader(io.StringIO(render_csv(data.inventory, **extras)))}
    assert (rows["t2v"]["measured_vram_peak_gb"], rows["t2v"]["measured_profile"]) == ("9.8", "4")
    assert rows["t2v_1.3B"]["measured_vram_peak_gb"] == ""


def measurement(vram_gb: float, recorded_at: float, **changes) -> Measurement:
    values = dict(recorded_at=recorded_at, model_type="t2v", width=832, height=480, frames=81, steps=30, batch=1,
                  profile="4", quantization="int8", gpu_name="NVIDIA GeForce RTX 4090", gpu_total_gb=24.0,
                  vram_allocated_gb=vram_gb - 0.5, vram_reserved_gb=vram_gb, ram_peak_gb=30.0,
                  ram_peak_scope="run", fingerprint=str(recorded_at))
    return Measurement(**{**values, **changes})


def test_the_command_line_reads_what_the_plugin_recorded_in_that_wan2gp(capsys, wan):
    wan.default("t2v", URLs=[url("t2v_quanto_mbf16_int8.safetensors")], metadata={"main_output": "video"})
    store = UsageStore(str(wan.root / "plugins" / PLUGIN_ID / DB_FILENAME))
    for at, vram in ((1.0, 9.2), (2.0, 9.8)):
        record(store, measurement(vram, at))
    record(store, measurement(4.0, 3.0, quantization="bf16"))  # another quantization: another model in memory
    code, out, _ = run(capsys, "inventory", "--wan2gp", str(wan.root), "--format", "json", "--vram", "8",
                       "--ram", "32")
    (model,) = json.loads(out)["models"]
    assert code == 0
    assert (model["measured_peak"]["vram_peak_gb"], model["measured_peak"]["runs"]) == (9.8, 2)
    said = "measured: peak 9.8 GB VRAM / 30 GB RAM on profile 4 at 832×480×81 (2 runs)"
    assert model["fit"]["measured"] == said and said in model["fit"]["reason"]


def test_recommend_judges_with_the_measured_peak(capsys, wan):
    wan.default("t2v", URLs=[url("t2v_quanto_mbf16_int8.safetensors")], metadata={"main_output": "video"})
    record(UsageStore(str(wan.root / "plugins" / PLUGIN_ID / DB_FILENAME)), measurement(30.0, 1.0))
    out = run(capsys, "recommend", "--wan2gp", str(wan.root), "--format", "json", "--vram", "8", "--ram", "32")[1]
    (pick,) = [p for task in json.loads(out)["tasks"] for p in task["picks"]]
    fit = pick["fit"]
    assert fit["verdict"] == "compatible" and fit["profile"] != "4" and fit["limit"].startswith("use profile")
    assert (fit["profiles"]["4"]["vram_gb"], fit["profiles"]["4"]["measured"]) == (30.5, True)
    assert "measured: peak 30 GB VRAM / 30 GB RAM on profile 4 at 832×480×81 (1 run)" in fit["reason"]


def test_a_refresh_with_new_peaks_judges_again_and_reuses_the_rest():
    peaks: dict[str, tuple[MeasuredPeak, ...]] = {}
    controller = TrackerController(DemoCatalog(), hardware_probe=machine(8.0, 32.0),
                                   measured_loader=lambda inventory: dict(peaks))
    before = controller.refresh().fits(8.0, 32.0)
    peaks["t2v"] = (PEAK,)
    after = controller.refresh().fits(8.0, 32.0)
    assert (before["t2v"].profile, after["t2v"].profile) == ("4", "4+") and after["t2v"].measured == LINE
    assert after["t2v_1.3B"] is before["t2v_1.3B"]  # nothing measured there: the cached verdict stands
    peaks.clear()
    assert controller.refresh().fits(8.0, 32.0)["t2v"] == before["t2v"]
