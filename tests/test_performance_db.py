"""The curated performance table: its schema, lookups, inheritance, sorting and the error report."""

from __future__ import annotations

import json
import struct
from dataclasses import replace
from importlib import resources

import pytest

from wan2gp_model_tracker.catalog.demo import write_sparse_safetensors
from wan2gp_model_tracker.fit.curated import PerformanceDataError, load_performance_data
from wan2gp_model_tracker.fit.definition_facts import definition_from_file
from wan2gp_model_tracker.fit.estimate_errors import estimator_error_report
from wan2gp_model_tracker.fit.memory import GIB_PER_GB, PROFILES, phases, profile_need
from wan2gp_model_tracker.performance_db import PerformanceDatabase
from wan2gp_model_tracker.records import FileRecord, FileRole, FileStatus, ModelRecord, ModelStatus

MOST_USED = ("vace_14B", "vace_1.3B", "t2v", "t2v_1.3B", "t2v_2_2", "i2v", "i2v_2_2", "ti2v_2_2", "flux",
             "flux_schnell", "hunyuan_1_5_t2v", "ltxv_13B", "ltxv_distilled", "ltx2_distilled", "qwen_image_20B",
             "z_image", "chatterbox", "alpha")
HF = "https://huggingface.co/DeepBeepMeep/Wan2.1/resolve/main"


@pytest.fixture(scope="module")
def db() -> PerformanceDatabase:
    return PerformanceDatabase.default()


@pytest.fixture
def raw() -> dict:
    """The packaged data file as a dict, for tests that break it."""
    return json.loads(resources.files("wan2gp_model_tracker").joinpath("performance_data.json").read_text())


def fresh(db: PerformanceDatabase) -> PerformanceDatabase:
    return PerformanceDatabase(db.data)


def record(model_type: str, variant: str, size: int | None = None, present: bool = False,
           parent: str = "") -> ModelRecord:
    transformer = FileRecord(filename=f"{model_type}.safetensors", url=f"{HF}/{model_type}.safetensors",
                             role=FileRole.TRANSFORMER, core=True,
                             status=FileStatus.DOWNLOADED if present else FileStatus.MISSING,
                             path=f"/ckpts/{model_type}.safetensors", size_bytes=size, size_is_estimate=not present,
                             variant=variant)
    return ModelRecord(model_type=model_type, name=f"Wan2.1 {model_type} 14B", architecture="t2v", family="Wan2.1",
                       output_type="video", description="", definition_path="", is_finetune=False, visible=True,
                       status=ModelStatus.DOWNLOADED if present else ModelStatus.MISSING, status_reason="",
                       files=(transformer,), parent_model_type=parent)


# --- the data file -------------------------------------------------------------------------------

def test_the_packaged_table_covers_the_most_used_models(db: PerformanceDatabase) -> None:
    assert set(MOST_USED) <= set(db.curated_types)


def test_every_documented_figure_names_a_known_source(db: PerformanceDatabase) -> None:
    unsourced = [(t, name) for t, entry in db.data.entries.items() for name, figure in entry.figures().items()
                 if figure.value is not None and (figure.source not in db.data.sources
                                                  or figure.provenance == "not_documented")]

    assert unsourced == []


def test_undocumented_figures_say_so_instead_of_holding_a_number(db: PerformanceDatabase) -> None:
    figures = [f for e in db.data.entries.values() for f in e.figures().values() if f.value is None]

    assert figures, "the table documents gaps explicitly"
    assert {f.provenance for f in figures} == {"not_documented"}


def test_a_malformed_entry_raises_an_error_naming_it(raw: dict) -> None:
    raw["models"]["t2v"]["vram_min_gb"]["value"] = "eight"

    with pytest.raises(PerformanceDataError, match=r"entry 't2v'.*vram_min_gb"):
        load_performance_data(json.dumps(raw))


def test_a_figure_without_a_source_is_rejected(raw: dict) -> None:
    raw["models"]["flux"]["ram_gb"] = {"value": 40, "provenance": "third_party"}

    with pytest.raises(PerformanceDataError, match=r"entry 'flux'.*ram_gb.*needs a source"):
        load_performance_data(json.dumps(raw))


def test_a_number_marked_not_documented_is_rejected(raw: dict) -> None:
    raw["models"]["z_image"]["vram_min_gb"] = {"value": 5, "provenance": "not_documented"}

    with pytest.raises(PerformanceDataError, match=r"entry 'z_image'.*vram_min_gb"):
        load_performance_data(json.dumps(raw))


def test_an_unknown_source_key_is_rejected_naming_the_entry(raw: dict) -> None:
    raw["models"]["i2v"]["vram_min_gb"]["source"] = "somewhere-else"

    with pytest.raises(PerformanceDataError, match=r"entry 'i2v'.*unknown source 'somewhere-else'"):
        load_performance_data(json.dumps(raw))


def test_vram_figures_out_of_order_are_rejected(raw: dict) -> None:
    raw["models"]["t2v"]["vram_min_gb"]["value"] = 30

    with pytest.raises(PerformanceDataError, match=r"entry 't2v'.*vram_min_gb .* larger than vram_recommended_gb"):
        load_performance_data(json.dumps(raw))


def test_an_unknown_key_in_an_entry_is_rejected(raw: dict) -> None:
    raw["models"]["t2v"]["vram_typo_gb"] = {"value": 1, "provenance": "user", "source": "wan2gp-issue-28"}

    with pytest.raises(PerformanceDataError, match=r"entry 't2v'.*vram_typo_gb"):
        load_performance_data(json.dumps(raw))


def test_the_default_database_is_loaded_once_per_process() -> None:
    assert PerformanceDatabase.default() is PerformanceDatabase.default()


# --- lookups ---------------------------------------------------------------------------------------

def test_an_exact_match_returns_curated_figures_with_citations(db: PerformanceDatabase) -> None:
    metrics = db.get_metrics("t2v")

    assert metrics.source == "curated"
    assert metrics.vram_min_gb == 8
    assert metrics.citations["vram_min_gb"].provenance == "wan2gp"
    assert metrics.citations["vram_min_gb"].url.startswith("https://github.com/Wan-Video/Wan2.1/issues/142")


def test_an_undocumented_curated_figure_is_none_and_falls_back_to_the_estimate(db: PerformanceDatabase) -> None:
    metrics = db.get_metrics("qwen_image_20B")

    assert metrics.ram_gb is None
    assert metrics.figure("ram_gb") == metrics.estimate.ram_gb
    assert metrics.provenance_of("ram_gb") == "estimated"


def test_a_finetune_inherits_from_its_architecture_and_says_so(db: PerformanceDatabase) -> None:
    definition = {"name": "Wan2.1 Text2video FusioniX 14B", "architecture": "t2v",
                  "URLs": [f"{HF}/fusionix_quanto_bf16_int8.safetensors"],
                  "settings": {"num_inference_steps": 8, "guidance_scale": 1}}

    metrics = fresh(db).get_metrics("t2v_fusionix", definition)

    assert metrics.source == "curated (from t2v)"
    assert metrics.vram_min_gb == 8
    assert "inherited from t2v" in metrics.citations["vram_min_gb"].detail


def test_an_inherited_model_with_fewer_steps_is_faster(db: PerformanceDatabase) -> None:
    definition = {"name": "Wan2.1 Text2video FusioniX 14B", "architecture": "t2v",
                  "settings": {"num_inference_steps": 8, "guidance_scale": 1}}

    metrics = fresh(db).get_metrics("t2v_fusionix", definition)

    assert metrics.speed_multiplier == pytest.approx(7.5)
    assert metrics.speed_tier == "fast"
    assert metrics.citations["speed_multiplier"].provenance == "derived"


def test_an_inherited_model_at_720p_needs_more_vram(db: PerformanceDatabase) -> None:
    definition = {"name": "Wan2.1 Image2video 720p 14B", "architecture": "i2v", "settings": {"resolution": "1280x720"}}

    metrics = fresh(db).get_metrics("i2v_720p", definition)

    assert metrics.vram_min_gb > db.get_metrics("i2v").vram_min_gb
    assert metrics.citations["vram_min_gb"].provenance == "derived"


def test_an_inherited_gguf_model_needs_less_ram_and_loses_a_quality_tier(db: PerformanceDatabase) -> None:
    definition = {"name": "Wan2.1 Text2video GGUF Q4_K_M 14B", "architecture": "t2v",
                  "URLs": [f"{HF}/wan-t2v-14b-Q4_K_M.gguf"]}

    metrics = fresh(db).get_metrics("t2v_gguf", definition)

    assert metrics.ram_gb < db.get_metrics("t2v").ram_gb
    assert metrics.quality_tier == "medium"
    assert "L445" in metrics.citations["quality_tier"].detail


def test_the_scans_parent_model_type_is_used_for_inheritance(db: PerformanceDatabase) -> None:
    definition = {"name": "Vace Multitalk 14B", "architecture": "vace_multitalk_14B"}

    metrics = fresh(db).get_metrics("vace_multitalk_14B", definition,
                                    record("vace_multitalk_14B", "int8", parent="vace_14B"))

    assert metrics.source == "curated (from vace_14B)"


def test_an_unknown_model_is_estimated(db: PerformanceDatabase) -> None:
    metrics = fresh(db).get_metrics("brand_new", {"name": "Brand New 7B", "architecture": "brand_new"})

    assert metrics.source == "estimated"
    assert metrics.params_b == 7


def test_the_scans_variant_and_measured_size_feed_the_estimate(db: PerformanceDatabase) -> None:
    scanned = record("t2v", "bf16", size=28_600_000_000, present=True)

    metrics = fresh(db).get_metrics("t2v", None, scanned)

    assert metrics.variant == "bf16"
    assert metrics.figure("checkpoint_gb") == 28.6
    assert metrics.provenance_of("checkpoint_gb") == "measured"


def test_a_published_size_shows_only_for_its_variant(db: PerformanceDatabase) -> None:
    base = fresh(db)

    assert base.get_metrics("t2v", None, record("t2v", "bf16")).checkpoint_gb == 28.6
    assert base.get_metrics("t2v", None, record("t2v", "int8")).checkpoint_gb is None


def test_metrics_are_cached_while_the_definition_object_is_the_same(db: PerformanceDatabase) -> None:
    base = fresh(db)
    definition = {"name": "Wan2.1 Text2video 14B", "architecture": "t2v"}

    first = base.get_metrics("t2v", definition)

    assert base.get_metrics("t2v", definition) is first
    assert base.get_metrics("t2v", dict(definition)) is not first


def test_model_params_b_prefers_curated_then_the_definition_then_a_curated_parent(db: PerformanceDatabase) -> None:
    assert db.model_params_b("hunyuan_1_5_t2v", {"name": "Hunyuan Video 1.5 8B"}) == 8.3
    assert db.model_params_b("x", {"name": "Something 7B", "architecture": "x"}) == 7
    assert db.model_params_b("chatterbox_v2", {"name": "TTS Chatterbox 2", "architecture": "chatterbox"}) == 0.5


def test_model_params_b_is_none_when_nothing_states_a_size(db: PerformanceDatabase) -> None:
    assert db.model_params_b("omnivoice", {"name": "TTS OmniVoice", "architecture": "omnivoice"}) is None


# --- sorting ---------------------------------------------------------------------------------------

def test_sorting_by_vram_puts_the_lightest_first(db: PerformanceDatabase) -> None:
    ordered = [m.figure("vram_min_gb") for m in db.get_all_models_sorted("vram")]

    assert ordered == sorted(ordered)


def test_sorting_by_speed_puts_the_fastest_first_and_unknown_last(db: PerformanceDatabase) -> None:
    ordered = db.get_all_models_sorted("speed")
    multipliers = [m.figure("speed_multiplier") for m in ordered]
    known = [x for x in multipliers if x is not None]

    assert known == sorted(known, reverse=True)
    assert multipliers[-1] is None


def test_sorting_by_quality_puts_the_best_first(db: PerformanceDatabase) -> None:
    ordered = db.get_all_models_sorted("quality")

    assert ordered[0].figure("quality_tier") == "highest"
    assert ordered[-1].figure("quality_tier") == "low"  # every model has a tier, estimated where none is published


def test_sorting_by_size_and_name(db: PerformanceDatabase) -> None:
    sizes = [m.figure("disk_gb") for m in db.get_all_models_sorted("size")]
    names = [m.name.casefold() for m in db.get_all_models_sorted("name")]

    assert sizes == sorted(sizes)
    assert names == sorted(names)


def test_sorting_sorts_given_definitions(db: PerformanceDatabase) -> None:
    models = {"a": {"name": "A 14B", "architecture": "a"}, "b": {"name": "B 1.3B", "architecture": "b"}}

    assert [m.model_type for m in fresh(db).get_all_models_sorted("vram", models)] == ["b", "a"]


def test_an_unknown_sort_key_is_refused(db: PerformanceDatabase) -> None:
    with pytest.raises(ValueError, match="sort_by"):
        db.get_all_models_sorted("colour")


# --- the estimator against the curated figures -------------------------------------------------

def test_the_error_report_compares_estimates_with_curated_figures(db: PerformanceDatabase) -> None:
    report = estimator_error_report(data=db.data)
    compared = {(r.model_type, r.figure) for r in report.rows}

    assert ("t2v", "vram_min_gb") in compared
    assert ("z_image", "checkpoint_gb") in compared
    assert report.mean_abs_pct() is not None
    assert "mean |error| overall" in report.as_table()


def test_the_estimator_stays_within_the_wan2gp_figures_for_t2v(db: PerformanceDatabase) -> None:
    rows = {(r.model_type, r.figure): r for r in estimator_error_report(data=db.data).rows}

    # Both are "runs in" figures: about 8 GB of VRAM (Wan2.1 issue #142), 32 GB of RAM for profile 4.
    assert rows[("t2v", "vram_min_gb")].estimated <= 8
    assert rows[("t2v", "ram_gb")].estimated <= 32


# --- weight sizes: never a damaged file's ------------------------------------------------------------

def on_disk(model_type: str, path: str, size: int, damaged: bool, variant: str = "int8") -> ModelRecord:
    """A scan's record whose transformer file is on disk (flagged as the header check flags a damaged one)."""
    base = record(model_type, variant, size=size, present=True)
    warnings = ("truncated: the header promises more bytes than the file holds",) if damaged else ()
    transformer = replace(base.files[0], path=path, warnings=warnings)
    return replace(base, files=(transformer,))


def test_a_truncated_download_is_sized_by_what_its_header_declares(db: PerformanceDatabase, tmp_path) -> None:
    path = str(tmp_path / "t2v.safetensors")
    write_sparse_safetensors(path, 3_000_000, promised=14_300_000_000)

    metrics = fresh(db).get_metrics("t2v", None, on_disk("t2v", path, 3_000_000, damaged=True))

    assert metrics.figure("checkpoint_gb") == 14.3
    assert "header declares" in metrics.memory.weights_basis and "damaged" in metrics.memory.weights_basis


def test_a_damaged_file_with_an_unreadable_header_falls_back_to_the_definitions_estimate(
        db: PerformanceDatabase, tmp_path) -> None:
    path = tmp_path / "t2v.safetensors"
    path.write_bytes(b"\x00" * 1024)

    metrics = fresh(db).get_metrics("t2v", None, on_disk("t2v", str(path), 1024, damaged=True))

    assert metrics.figure("weights_vram_gb") == 14.0  # 14B x 1 byte (int8), not 1 KB
    assert "definition's estimate" in metrics.memory.weights_basis and "damaged" in metrics.basis


def test_a_missing_file_with_an_exact_hub_size_sets_the_weights(db: PerformanceDatabase) -> None:
    base = record("t2v", "int8", size=15_100_000_000)
    exact = replace(base, files=(replace(base.files[0], size_is_estimate=False),))

    metrics = fresh(db).get_metrics("t2v", None, exact)

    assert metrics.figure("checkpoint_gb") == 15.1 and "exact size from the Hub" in metrics.memory.weights_basis


def test_with_stub_files_on_disk_the_14b_never_needs_less_than_the_13b(db: PerformanceDatabase, tmp_path,
                                                                        real_catalog_dir) -> None:
    defs = {p.stem: definition_from_file(json.loads(p.read_text(encoding="utf-8")))
            for p in (real_catalog_dir / "vace_14B.json", real_catalog_dir / "vace_1.3B.json",
                      real_catalog_dir / "t2v.json", real_catalog_dir / "t2v_1.3B.json")}
    needs, weights = {}, {}
    for model_type, stub_bytes in (("vace_14B", 1024), ("vace_1.3B", 4_000_000)):  # the 14B's stub is smaller
        stub = tmp_path / f"{model_type}.safetensors"
        stub.write_bytes(b"\x00" * stub_bytes)  # a stub: no readable header
        metrics = fresh(db).get_metrics(model_type, defs[model_type],
                                        on_disk(model_type, str(stub), stub_bytes, damaged=True), catalog=defs)
        needs[model_type] = {p: profile_need(metrics.memory, p).vram_gb for p in PROFILES}
        weights[model_type] = metrics.memory.weights_gb
    assert weights["vace_14B"] > 10 * weights["vace_1.3B"] > 1  # the definitions' sizes, not the stubs'
    assert all(needs["vace_14B"][p] >= needs["vace_1.3B"][p] for p in PROFILES)


def test_a_healthy_file_on_disk_gives_its_block_split(db: PerformanceDatabase, tmp_path) -> None:
    path = tmp_path / "t2v.safetensors"
    write_header_only(path, {"patch_embedding.weight": 2_000_000,
                             **{f"blocks.{i}.ffn.0.weight": 10_000_000 for i in range(30)}})

    metrics = fresh(db).get_metrics("t2v", None, on_disk("t2v", str(path), path.stat().st_size, damaged=False))

    split = metrics.memory.transformer_split
    assert split.blocks == 30 and "safetensors header" in split.basis
    assert split.base_share == pytest.approx(2 / 302)


def write_header_only(path, tensors: dict[str, int]) -> None:
    """A safetensors file whose tensors are a hole: only the header carries information."""
    offsets, end = {}, 0
    for name, size in tensors.items():
        offsets[name] = {"dtype": "U8", "shape": [size], "data_offsets": [end, end + size]}
        end += size
    header = json.dumps(offsets).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(header)) + header)
        fh.truncate(8 + len(header) + end)


# --- text encoders are counted ------------------------------------------------------------------------

def test_minimax_h3s_qwen3_vl_32b_text_encoder_is_counted(db: PerformanceDatabase, real_catalog_dir) -> None:
    definition = definition_from_file(json.loads((real_catalog_dir / "minimax_h3_fl2va.json").read_text()))

    memory = fresh(db).get_metrics("minimax_h3_fl2va", definition).memory

    assert memory.text_encoder_gb > 20  # 25.8B parameters at int8 (minimax_h3_handler.py L16-17)
    assert profile_need(memory, "4").ram_gb > 4 + (memory.weights_gb + 20) * 0.93


def test_hidream_o1_reads_the_prompt_with_its_own_transformer(db: PerformanceDatabase, real_catalog_dir) -> None:
    definition = definition_from_file(json.loads((real_catalog_dir / "hidream_o1.json").read_text()))

    memory = fresh(db).get_metrics("hidream_o1", definition).memory

    text = phases(memory, "1")["text encoding (in the transformer)"]
    assert text[0] == pytest.approx(memory.weights_gb * GIB_PER_GB, abs=0.01)
