"""The tab's behaviour as plain functions: filter, sort, select a row, export."""

from __future__ import annotations

import dataclasses
import re
import types
from datetime import datetime
from pathlib import Path

import pytest

from wan2gp_model_tracker.catalog.demo import DemoCatalog
from wan2gp_model_tracker.machine.hardware import GpuDetection, GpuInfo, HardwareInfo
from wan2gp_model_tracker.records import ModelStatus
from wan2gp_model_tracker.render.markdown import md_escape
from wan2gp_model_tracker.ui import chart
from wan2gp_model_tracker.ui import view as tracker_view
from wan2gp_model_tracker.ui.chart import chart_of
from wan2gp_model_tracker.ui.details import detail_markdown, plain_words
from wan2gp_model_tracker.ui.presentation import legend_markdown, summary_html
from wan2gp_model_tracker.ui.selection import Filters, select_models
from wan2gp_model_tracker.ui.table import table_frame
from wan2gp_model_tracker.ui.view import TrackerController


def machine(vram_gb: float | None = 12.0, ram_gb: float = 32.0):
    """A hardware probe answering with a fixed machine, so verdicts do not depend on the test host."""
    gpus = (GpuInfo(0, "Test GPU", vram_gb, vram_gb, (8, 9)),) if vram_gb else ()
    detection = GpuDetection(gpus, "550.54") if gpus else GpuDetection((), error="no NVIDIA GPU detected: test")
    return lambda roots: HardwareInfo(detection, ram_gb, ram_gb)


@pytest.fixture(scope="module")
def demo_catalog():
    return DemoCatalog()


@pytest.fixture
def controller(demo_catalog):
    return TrackerController(demo_catalog, hardware_probe=machine())


def types_of(models):
    return [m.model_type for m in models]


def chips(html_text: str) -> list[str]:
    """The summary's chips as a reader sees them (the marks' own spans removed)."""
    plain = re.sub(r'<span class="mt-mark">([^<]*)</span>', r"\1", html_text)
    return re.findall(r"<span[^>]*>([^<]*)</span>", plain)


# --- filters -------------------------------------------------------------------------------

def test_no_filter_lists_every_model(controller):
    assert len(select_models(controller.data, Filters())) == 16


def test_status_filter(controller):
    models = select_models(controller.data, Filters(status="partial"))
    assert models and {m.status for m in models} == {ModelStatus.PARTIAL}


def test_output_filter(controller):
    assert types_of(select_models(controller.data, Filters(output="audio"))) == ["chatterbox"]


def test_family_filter(controller):
    assert set(types_of(select_models(controller.data, Filters(family="Wan2.2")))) == {"t2v_2_2", "i2v_2_2",
                                                                                       "ti2v_2_2"}


def test_speed_and_quality_filters_use_the_shown_tiers(controller):
    data = controller.data
    fast = select_models(data, Filters(speed="fast"))
    assert fast and all(data.metrics[m.model_type].figure("speed_tier") == "fast" for m in fast)
    best = select_models(data, Filters(quality="highest"))
    assert best and all(data.metrics[m.model_type].figure("quality_tier") == "highest" for m in best)


def test_text_search_needs_every_word(controller):
    assert types_of(select_models(controller.data, Filters(text="wan2.2 image"))) == ["i2v_2_2", "ti2v_2_2"]
    assert select_models(controller.data, Filters(text="no such model")) == []


# --- search ranking ------------------------------------------------------------------------

@pytest.fixture
def ranked(wan):
    """Models that each match "ltx" in a different field (architecture "ltxv" gives the LTX family)."""
    wan.default("dramabox", name="DramaBox Audio", architecture="dramabox", description="built on LTX Video's VAE",
                URLs=["https://h/d.safetensors"])
    wan.default("ltxv_13B", name="LTX Video 0.9.8 13B", architecture="ltxv_13B", URLs=["https://h/l.safetensors"])
    wan.default("my_ltx", name="My LTX Finetune", architecture="ltxv_13B", URLs=["https://h/f.safetensors"])
    wan.default("zz_ltxlike", name="Zeta", architecture="ltxv_13B", URLs=["https://h/z.safetensors"])
    wan.default("ltx", name="Ltx", architecture="ltxv_13B", URLs=["https://h/e.safetensors"])
    wan.default("aa_fast", name="Aardvark", architecture="t2v", description="not an LTX at all",
                URLs=["https://h/a.safetensors"])
    return TrackerController(wan.catalog(), hardware_probe=machine()).data


def test_search_ranks_exact_then_prefix_then_word_then_type_then_the_rest(ranked):
    order = types_of(select_models(ranked, Filters(text="ltx")))
    assert order[:3] == ["ltx", "ltxv_13B", "my_ltx"]  # exact name, name prefix, a word of the name
    assert order[3] == "zz_ltxlike"  # the model type
    assert set(order[4:]) == {"dramabox", "aa_fast"}  # only the description mentions it


def test_search_ignores_case_and_spacing_in_names(ranked):
    assert types_of(select_models(ranked, Filters(text="LTX-video")))[0] == "ltxv_13B"
    assert types_of(select_models(ranked, Filters(text="  my   ltx ")))[0] == "my_ltx"


def test_a_family_match_ranks_below_names_and_types_above_descriptions(wan):
    wan.default("qwen_edit", name="Edit Pro", architecture="qwen_image_edit_20B", URLs=["https://h/q.safetensors"])
    wan.default("other", name="Other", architecture="t2v", description="compare with qwen",
                URLs=["https://h/o.safetensors"])
    wan.default("qwen_name", name="Qwen Something", architecture="t2v", URLs=["https://h/n.safetensors"])
    data = TrackerController(wan.catalog(), hardware_probe=machine()).data
    assert data.inventory.get("qwen_edit").family.casefold().startswith("qwen")
    assert types_of(select_models(data, Filters(text="qwen"))) == ["qwen_name", "qwen_edit", "other"]


def test_a_name_from_the_alias_table_finds_its_model_first(controller):
    assert types_of(select_models(controller.data, Filters(text="flux_dev")))[0] == "flux"
    repo = "black-forest-labs/FLUX.1-dev"  # the maker's repository: no field of the model holds it
    assert types_of(select_models(controller.data, Filters(text=repo))) == ["flux"]
    assert types_of(select_models(controller.data, Filters(text=repo), aliases=None)) == []


def test_an_alias_counts_as_the_models_name(ranked):
    order = types_of(select_models(ranked, Filters(text="ltx"), aliases=lambda text: {"aa_fast"}))
    assert order[0] == "aa_fast"


def test_a_failing_alias_table_leaves_the_search_working(ranked):
    def broken(text):
        raise RuntimeError("alias table unreadable")

    assert types_of(select_models(ranked, Filters(text="ltx"), aliases=broken))[0] == "ltx"


def test_another_sort_orders_the_matches_by_its_own_key(ranked):
    by_name_desc = types_of(select_models(ranked, Filters(text="ltx", sort_by="status")))
    assert set(by_name_desc) == set(types_of(select_models(ranked, Filters(text="ltx"))))
    assert by_name_desc[0] == "aa_fast"  # every status is "missing": the name breaks the tie


def test_a_smaller_vram_budget_hides_models_that_do_not_fit(controller):
    roomy = types_of(select_models(controller.data, Filters(fit="fits", vram_budget_gb=24)))
    tight = types_of(select_models(controller.data, Filters(fit="fits", vram_budget_gb=2)))
    assert set(tight) < set(roomy)
    assert "t2v" in roomy and "t2v" not in tight


def test_recommended_only_is_stricter_than_fits(controller):
    fits = set(types_of(select_models(controller.data, Filters(fit="fits", vram_budget_gb=10))))
    recommended = set(types_of(select_models(controller.data, Filters(fit="recommended", vram_budget_gb=10))))
    assert recommended < fits


def test_without_a_gpu_or_budget_no_verdict_is_made_up(demo_catalog):
    data = TrackerController(demo_catalog, hardware_probe=machine(vram_gb=None)).data
    frame = table_frame(select_models(data, Filters()), data, None)
    assert set(frame["Fit"]) == {"—"}
    assert set(table_frame(select_models(data, Filters()), data, 16)["Fit"]) <= {"recommended", "compatible",
                                                                                  "incompatible"}


# --- sorting -------------------------------------------------------------------------------

def test_sort_by_name_is_alphabetical(controller):
    names = [m.name.casefold() for m in select_models(controller.data, Filters(sort_by="name"))]
    assert names == sorted(names)


def test_sort_by_status_puts_downloaded_first(controller):
    statuses = [m.status for m in select_models(controller.data, Filters(sort_by="status"))]
    order = [ModelStatus.DOWNLOADED, ModelStatus.PARTIAL, ModelStatus.MISSING]
    assert statuses == sorted(statuses, key=order.index)


def test_sort_by_vram_is_lightest_first_and_reversible(controller):
    data = controller.data
    ascending = [data.metrics[m.model_type].figure("vram_min_gb")
                 for m in select_models(data, Filters(sort_by="vram"))]
    assert ascending == sorted(ascending)
    descending = [data.metrics[m.model_type].figure("vram_min_gb")
                  for m in select_models(data, Filters(sort_by="vram", descending=True))]
    assert descending == sorted(descending, reverse=True)


def test_sort_by_speed_puts_fast_models_first(controller):
    data = controller.data
    tiers = [data.metrics[m.model_type].figure("speed_tier") for m in select_models(data, Filters(sort_by="speed"))]
    order = ["fast", "medium", "slow"]
    assert tiers == sorted(tiers, key=order.index)


def test_sort_by_quality_puts_the_best_first(controller):
    data = controller.data
    tiers = [data.metrics[m.model_type].figure("quality_tier")
             for m in select_models(data, Filters(sort_by="quality"))]
    known = [t for t in tiers if t]
    assert known == sorted(known, key=["highest", "high", "medium", "low"].index)
    assert tiers[len(known):] == [None] * (len(tiers) - len(known))


def gb(cell: str) -> float:
    return 0.0 if cell == "—" else float(cell.strip("~").split()[0])


def test_sort_by_on_disk_follows_the_on_disk_column(controller):
    data = controller.data
    frame = table_frame(select_models(data, Filters(sort_by="size")), data, None)
    shown = [gb(cell) for cell in frame["On disk"]]
    assert shown == sorted(shown, reverse=True) and shown[0] > 0


def test_sort_by_download_follows_the_to_download_column_with_unknown_sizes_last(controller):
    data = controller.data
    frame = table_frame(select_models(data, Filters(sort_by="download")), data, None)
    cells = list(frame["To download"])
    known = [c for c in cells if not c.startswith("?")]
    assert [gb(c) for c in known] == sorted(gb(c) for c in known)
    assert cells[len(known):] and all(c.startswith("?") for c in cells[len(known):])


def test_family_view_puts_finetunes_under_their_base_model(wan):
    wan.default("t2v", name="Base", URLs=["https://h/base.safetensors"])
    wan.finetune("tuned", {"model": {"name": "A tuned one", "architecture": "t2v", "URLs": "t2v"}})
    wan.default("other", name="Other", URLs=["https://h/other.safetensors"])
    controller = TrackerController(wan.catalog(), hardware_probe=machine())
    data = controller.data
    assert data.inventory.get("tuned").parent_model_type == "t2v"
    filters = Filters(sort_by="family")
    frame = table_frame(select_models(data, filters), data, None, grouped=filters.grouped)
    names = list(frame["Name"])
    assert names.index("↳ A tuned one") == names.index("Base") + 1


# --- the table and the detail view -------------------------------------------------------------

def test_table_rows_use_wan2gps_status_marks_and_mark_estimates(controller):
    data = controller.data
    frame = table_frame(select_models(data, Filters()), data, None)
    rows = dict(zip(frame["Model type"], frame.to_dict("records"), strict=True))
    assert rows["t2v"]["Status"] == "🟦 downloaded"
    assert rows["vace_14B"]["Status"] == "🟨 partial"
    assert rows["qwen_image_20B"]["Status"] == "⬛ missing"
    assert rows["qwen_image_20B"]["To download"].startswith("~") and rows["qwen_image_20B"]["On disk"] == "—"
    assert rows["t2v"]["To download"] == "—"
    assert rows["vace_14B"]["To download"] == "? (1 file)"


def test_a_downloaded_model_with_a_damaged_file_is_flagged_but_keeps_its_status(controller):
    data = controller.data
    frame = table_frame(select_models(data, Filters()), data, None)
    status = dict(zip(frame["Model type"], frame["Status"], strict=True))
    assert status["flux"] == "🟦 downloaded ⚠"
    assert not any(s.endswith("⚠") for t, s in status.items() if t != "flux")
    assert types_of(select_models(data, Filters(status="damaged"))) == ["flux"]
    assert "1 file looks damaged" in summary_html(data, 16)


def test_a_definition_wan2gp_cannot_load_has_its_own_mark_and_filter(wan):
    wan.default("good", URLs=["https://h/good.safetensors"])
    (wan.root / "defaults" / "broken.json").write_text("{not json")
    data = TrackerController(wan.catalog(), hardware_probe=machine()).data
    errors = select_models(data, Filters(status="error"))
    assert types_of(errors) == ["broken"]
    frame = table_frame(errors, data, None)
    assert frame["Status"].item() == "🟥 error"
    assert "🟥 1 error" in chips(summary_html(data, 2))


def test_models_hidden_in_wan2gp_are_shown_only_on_request(wan):
    wan.default("seen", URLs=["https://h/seen.safetensors"])
    wan.default("unseen", visible=False, URLs=["https://h/unseen.safetensors"])
    data = TrackerController(wan.catalog(), hardware_probe=machine()).data
    assert types_of(select_models(data, Filters())) == ["seen"]
    shown = select_models(data, Filters(show_hidden=True))
    assert types_of(shown) == ["seen", "unseen"]
    assert table_frame(shown, data, None)["Name"].iloc[1] == "unseen (hidden in Wan2GP)"
    assert "1 hidden in Wan2GP" in summary_html(data, 1)


def test_an_empty_result_says_why(controller):
    assert legend_markdown(0, Filters(text="no such model")).startswith("**No model matches** text")
    assert '<span class="mt-mark">🟦</span> downloaded' in legend_markdown(3, Filters())


def test_figure_notes_are_free_of_internal_shorthand(controller):
    text = detail_markdown(controller.data, "vace_14B", None)
    assert "DEF:" not in text and "curated — curated" not in text
    assert plain_words("no settings in DEF:t2v, so") == "no settings in Wan2GP's t2v definition, so"


def test_details_list_every_file_with_its_status_and_path(controller):
    text = detail_markdown(controller.data, "vace_14B", None)
    assert "✓ transformer: " + md_escape("wan2.1_text2video_14B_quanto_mbf16_int8.safetensors (15.3 GB)") in text
    assert "✗ module: " + md_escape("wan2.1_Vace_14B_module_quanto_mbf16_int8.safetensors (?)") in text
    assert "Before generating, Wan2GP would download 1 file" in text


def test_details_report_an_interrupted_download(controller):
    assert "interrupted download" in detail_markdown(controller.data, "ti2v_2_2", None)


def test_details_hint_at_another_quantization_on_disk(controller):
    text = detail_markdown(controller.data, "i2v", None)
    assert "Already on disk in another quantization" in text and "bf16" in text


def test_details_show_alternatives_with_their_own_status(controller):
    text = detail_markdown(controller.data, "t2v", None)
    assert "**Faster alternatives:**" in text
    assert "🟦 downloaded Wan2.1 Text2video 1.3B" in text


def test_details_cite_the_source_of_curated_figures(controller):
    text = detail_markdown(controller.data, "t2v", None)
    assert "minimum VRAM (GB) = 8" in text and "issue \\#142" in text


def test_details_of_an_unknown_model_ask_for_a_selection(controller):
    assert "Select a model" in detail_markdown(controller.data, "", None)


def test_summary_is_one_line_of_chips_counting_models_and_naming_the_machine(controller):
    text = summary_html(controller.data, 16)
    shown = chips(text)
    assert shown[:4] == ["16 models", "🟦 6 downloaded", "🟨 4 partial", "⬛ 6 missing"]
    assert "showing 16" in shown and "Test GPU" in text and "<br" not in text


def test_summary_escapes_what_it_shows(controller):
    data = controller.data
    settings = dataclasses.replace(data.inventory.settings, source_detail='folder "<img src=x onerror=alert(1)>"')
    hostile = dataclasses.replace(data, inventory=dataclasses.replace(data.inventory, settings=settings))
    text = summary_html(hostile, 16)
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_a_refresh_shows_files_that_arrived_since_the_last_one(wan):
    wan.default("m", URLs=["https://h/m.safetensors"])
    controller = TrackerController(wan.catalog(), hardware_probe=machine())
    before = table_frame(select_models(controller.refresh(), Filters()), controller.data, None)
    wan.weight("ckpts/m.safetensors", size=3_000_000_000)
    after = table_frame(select_models(controller.refresh(), Filters()), controller.data, None)
    assert (before["Status"].item(), after["Status"].item()) == ("⬛ missing", "🟦 downloaded")
    assert after["On disk"].item() == "3.0 GB"


def test_the_model_open_in_wan2gp_is_marked_for_the_session_that_has_it_open(controller):
    data = controller.data
    models = select_models(data, Filters())
    frame = table_frame(models, data, None, current_model="t2v")
    assert frame[frame["Model type"] == "t2v"]["Name"].item().startswith("▶ ")
    other_session = table_frame(models, data, None, current_model="flux")
    assert not other_session[other_session["Model type"] == "t2v"]["Name"].item().startswith("▶ ")


# --- export --------------------------------------------------------------------------------

def test_export_writes_the_filtered_table_as_markdown(controller):
    filters = Filters(status="downloaded", sort_by="name")
    path = controller.export_markdown(filters, details=False)
    text = Path(path).read_text(encoding="utf-8")
    assert path.endswith(".md")
    exported = re.findall(r"^\| \S+ \w+(?: ⚠)? \| ([^|]+) \|", text, flags=re.M)
    assert [t.strip().replace("\\_", "_") for t in exported] == types_of(select_models(controller.data, filters))
    assert "Table filtered: status downloaded" in text and "## Hardware" in text and "Test GPU" in text


def test_repeated_exports_do_not_pile_up(controller, monkeypatch):
    seconds = iter(range(10))
    clock = types.SimpleNamespace(now=lambda: datetime(2026, 1, 1, 0, 0, next(seconds)))
    monkeypatch.setattr(tracker_view, "datetime", clock)
    paths = [controller.export_markdown(Filters(), details=False) for _ in range(6)]
    folder = Path(paths[-1]).parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(Path(p).name for p in paths[-3:])


def test_export_can_include_each_models_files(controller):
    text = Path(controller.export_markdown(Filters(status="partial"), details=True)).read_text(encoding="utf-8")
    assert "### Vace 14B" in text and "✗ module" in text


def test_names_from_definition_files_are_escaped_in_the_export(wan):
    wan.default("evil", name="<img src=x onerror=alert(1)> | pipe", URLs=["https://h/x.safetensors"])
    controller = TrackerController(wan.catalog(), hardware_probe=machine())
    text = Path(controller.export_markdown(Filters(), details=True)).read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)<img", text) and "\\<img" in text and "\\| pipe" in text


def test_a_ram_field_that_is_not_a_positive_number_falls_back_to_this_machine(controller):
    data = controller.data
    machine = data.fits(24)
    for value in (float("nan"), float("inf"), -8.0, 0.0):
        assert data.fits(24, value) == machine
    assert data.fits(24, 4.0) != machine


# --- chart ---------------------------------------------------------------------------------

def test_the_chart_holds_the_video_models_that_fit_and_names_the_fastest_on_disk(demo_catalog):
    data = TrackerController(demo_catalog, hardware_probe=machine(None, 64)).data
    shown = chart_of(data, select_models(data, Filters()), 24)
    fits = data.fits(24)
    assert shown.output_type == "video" and not shown.frame.empty
    assert {fits[t].verdict for t in shown.frame[chart.TYPE]} <= {"recommended", "compatible"}
    assert {data.inventory.get(t).output_type for t in shown.frame[chart.TYPE]} == {"video"}
    downloaded = [t for t in shown.frame[chart.TYPE] if data.inventory.get(t).status is ModelStatus.DOWNLOADED]
    fastest = max(downloaded, key=lambda t: data.metrics[t].figure("speed_multiplier"))
    assert data.metrics[shown.fastest].figure("speed_multiplier") == data.metrics[fastest].figure("speed_multiplier")
    assert data.inventory.get(shown.fastest).name in shown.headline and "24 GB" in shown.headline
    marked = shown.frame[shown.frame[chart.COLOR] == chart.FASTEST][chart.TYPE].tolist()
    assert marked == [shown.fastest]


def test_a_tighter_budget_charts_fewer_models(demo_catalog):
    data = TrackerController(demo_catalog, hardware_probe=machine(None, 64)).data
    models = select_models(data, Filters())
    sizes = [len(chart_of(data, models, budget).frame) for budget in (4, 6, 24)]
    assert sizes[0] < sizes[1] <= sizes[2]


def test_without_a_budget_the_chart_asks_for_one(demo_catalog):
    data = TrackerController(demo_catalog, hardware_probe=machine(None, 64)).data
    shown = chart_of(data, select_models(data, Filters()), None)
    assert shown.frame.empty and "pick a VRAM budget" in shown.headline


def test_a_range_dragged_across_the_chart_opens_its_fastest_model(demo_catalog):
    data = TrackerController(demo_catalog, hardware_probe=machine(None, 64)).data
    frame = chart_of(data, select_models(data, Filters()), 24).frame
    low, high = frame[chart.X].min(), frame[chart.X].max()
    best = frame.sort_values(chart.Y, ascending=False)[chart.TYPE].iloc[0]
    assert chart.model_in_range(frame, high, low) == best  # either direction of the drag
    assert chart.model_in_range(frame, high + 1, high + 2) == ""
