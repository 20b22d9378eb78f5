"""Measured speed beside the theoretical one: the table, details, sort and the "fastest I have" answer."""

from __future__ import annotations

from datetime import datetime

from test_recommendations import inventory, metrics, model
from test_tracker_view import machine

from wan2gp_model_tracker.catalog.demo import DemoCatalog
from wan2gp_model_tracker.fit.recommendations import recommend
from wan2gp_model_tracker.records import ModelStatus
from wan2gp_model_tracker.render.recommendations import render_recommendations
from wan2gp_model_tracker.ui.details import detail_markdown
from wan2gp_model_tracker.ui.selection import Filters, select_models
from wan2gp_model_tracker.ui.table import table_frame
from wan2gp_model_tracker.ui.view import TrackerController
from wan2gp_model_tracker.usage.report import MeasuredSpeed, ModelUsage, Spread, UsageReport

WHEN = datetime(2026, 11, 20, 9, 30)


def speed(per_step: float, runs: int = 4) -> MeasuredSpeed:
    return MeasuredSpeed(runs, Spread(per_step * 30, per_step * 29, per_step * 31),
                         Spread(per_step, per_step, per_step), Spread(per_step, per_step * 0.9, per_step * 1.1),
                         "832×480, 81 frames")


def usage_of(**speeds: float) -> dict[str, ModelUsage]:
    return {t: ModelUsage(t, 7, WHEN, speed(s)) for t, s in speeds.items()}


def scanner(usage: dict[str, ModelUsage]):
    report = UsageReport((), (), 0, 0, {}, 0, 0, datetime.now())
    report._cache[None] = usage
    return lambda wan2gp_dir: report


def controller(usage: dict[str, ModelUsage]) -> TrackerController:
    return TrackerController(DemoCatalog(), hardware_probe=machine(), usage_scanner=scanner(usage))


def downloaded_types(ctl: TrackerController) -> list[str]:
    return [m.model_type for m in ctl.data.inventory.models if m.status is ModelStatus.DOWNLOADED]


def test_the_table_shows_measured_speed_beside_the_tier():
    ctl = TrackerController(DemoCatalog(), hardware_probe=machine())
    first = downloaded_types(ctl)[0]
    ctl = controller(usage_of(**{first: 1.5}))
    models = select_models(ctl.data, Filters())
    frame = table_frame(models, ctl.data, None)
    row = frame[frame["Model type"] == first].iloc[0]
    assert row["Speed"].endswith(" · ⏱ 1.5 s/step (4 runs)")
    others = frame[frame["Model type"] != first]["Speed"]
    assert not others.str.contains("⏱").any()


def test_details_show_generations_last_use_and_spread():
    ctl = TrackerController(DemoCatalog(), hardware_probe=machine())
    first = downloaded_types(ctl)[0]
    text = detail_markdown(controller(usage_of(**{first: 2.0})).data, first, None)
    assert "**Generations:** 7 · **last used:** 2026-11-20 09:30" in text
    assert "2 s (1.8–2.2) per step at 832×480, 81 frames" in text and "over 4 runs" in text


def test_sort_fastest_on_my_machine_puts_measured_models_first_fastest_first():
    ctl = TrackerController(DemoCatalog(), hardware_probe=machine())
    a, b = downloaded_types(ctl)[:2]
    ctl = controller(usage_of(**{a: 3.0, b: 1.0}))
    ordered = [m.model_type for m in select_models(ctl.data, Filters(sort_by="measured"))]
    assert ordered[:2] == [b, a] and len(ordered) == len(ctl.data.inventory.models)


def test_a_failing_usage_scan_leaves_the_inventory_intact():
    def broken(wan2gp_dir: str):
        raise OSError("outputs unreadable")

    ctl = TrackerController(DemoCatalog(), hardware_probe=machine(), usage_scanner=broken)
    assert ctl.data.usage == {} and ctl.data.inventory.models
    assert ctl.usage_error == "outputs could not be read: OSError: outputs unreadable"


def test_measured_speed_replaces_the_theoretical_fastest_and_says_how_many_runs():
    inv = inventory(model("quick", ModelStatus.DOWNLOADED), model("steady", ModelStatus.DOWNLOADED))
    figures = {"quick": metrics("quick", speed=3.0), "steady": metrics("steady", speed=1.0)}
    theoretical = recommend(inv, figures, 24)
    assert [p.model_type for p in theoretical.fastest] == ["quick"]
    measured = recommend(inv, figures, 24, measured={"quick": speed(4.0, runs=2), "steady": speed(1.0, runs=9)})
    assert [p.model_type for p in measured.fastest] == ["steady"]
    text = render_recommendations(measured)
    assert "Steady (steady) — measured on this machine: 1 s/step (9 runs), scaled to 832×480, 81 frames" in text


def test_without_measurements_the_answer_says_the_figure_is_theoretical():
    inv = inventory(model("quick", ModelStatus.DOWNLOADED), model("gone"))
    text = render_recommendations(recommend(inv, {"quick": metrics("quick"), "gone": metrics("gone", speed=9)}, 24))
    assert "Quick (quick) — speed tier slow (published or estimated; no run of yours measured)" in text
