"""Conformance over the real Wan2GP catalog (../shared/wan2gp/catalog/defaults), skipped when absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from wan2gp_fixture import WanFolder

from wan2gp_model_tracker.catalog.resolution import as_list, entry_basename, recursive_prop
from wan2gp_model_tracker.model_analyzer import ModelAnalyzer
from wan2gp_model_tracker.records import FileRole, ModelStatus

pytestmark = pytest.mark.catalog


@pytest.fixture
def real_wan(real_catalog_dir: Path, tmp_path: Path) -> WanFolder:
    wan = WanFolder(tmp_path / "Wan2GP")
    for path in real_catalog_dir.glob("*.json"):
        shutil.copy(path, wan.root / "defaults" / path.name)
    return wan


def files_of(inventory, model_type, role):
    return [f.filename for f in inventory.get(model_type).files if f.role is role]


def test_the_whole_catalog_is_read(real_wan, real_catalog_dir):
    inventory = real_wan.scan()
    assert len(inventory.models) == len(list(real_catalog_dir.glob("*.json"))) == 217


def test_every_definition_resolves_without_error(real_wan):
    inventory = real_wan.scan()
    assert {m.model_type: m.errors for m in inventory.models if m.errors} == {}


def test_an_empty_tree_leaves_every_model_missing(real_wan):
    inventory = real_wan.scan()
    assert {m.status for m in inventory.models} == {ModelStatus.MISSING}


def test_a_tree_with_every_expected_file_makes_every_model_downloaded(real_wan):
    for model in real_wan.scan().models:
        for f in model.files:
            if not Path(f.path).exists():
                real_wan.weight(str(Path(f.path).relative_to(real_wan.root)))
    inventory = real_wan.scan()
    assert [m.model_type for m in inventory.models if m.status is not ModelStatus.DOWNLOADED] == []


def test_only_non_selected_quantization_variants_make_models_partial(real_wan):
    analyzer = real_wan.analyzer()
    empty = analyzer.scan()
    defs = analyzer.catalog.load().defs
    picked = {f.filename for m in empty.models for f in m.files if f.core}
    with_alternatives = set()
    for model in empty.models:
        for key in ("URLs", "URLs2"):
            for entry in as_list(recursive_prop(defs, model.model_type, key)):
                name = entry_basename(entry)
                if name not in picked:
                    real_wan.weight(f"ckpts/{name}")
                    with_alternatives.add(model.model_type)
    inventory = real_wan.analyzer().scan()
    statuses = {m.model_type: m.status for m in inventory.models}
    assert with_alternatives, "the catalog should have models with several variants"
    assert {t: s for t, s in statuses.items() if t in with_alternatives and s is not ModelStatus.PARTIAL} == {}
    assert {t: s for t, s in statuses.items() if t not in with_alternatives and s is not ModelStatus.MISSING} == {}


def test_wan21_t2v_expects_the_int8_file_matching_the_gpus_dtype(real_wan):
    assert files_of(real_wan.scan(bf16=True), "t2v", FileRole.TRANSFORMER) == [
        "wan2.1_text2video_14B_quanto_mbf16_int8.safetensors"]
    assert files_of(real_wan.scan(bf16=False), "t2v", FileRole.TRANSFORMER) == [
        "wan2.1_text2video_14B_quanto_mfp16_int8.safetensors"]


def test_wan21_t2v_expects_the_16_bit_file_under_bf16(real_wan):
    real_wan.config(transformer_quantization="bf16")
    assert files_of(real_wan.scan(), "t2v", FileRole.TRANSFORMER) == ["wan2.1_text2video_14B_mbf16.safetensors"]


def test_wan22_t2v_expects_both_experts(real_wan):
    inventory = real_wan.scan()
    assert files_of(inventory, "t2v_2_2", FileRole.TRANSFORMER) == [
        "wan2.2_text2video_14B_high_quanto_mbf16_int8.safetensors"]
    assert files_of(inventory, "t2v_2_2", FileRole.TRANSFORMER2) == [
        "wan2.2_text2video_14B_low_quanto_mbf16_int8.safetensors"]


def test_vace_14b_expects_the_t2v_weights_and_its_module(real_wan):
    inventory = real_wan.scan()
    assert files_of(inventory, "vace_14B", FileRole.TRANSFORMER) == [
        "wan2.1_text2video_14B_quanto_mbf16_int8.safetensors"]
    assert files_of(inventory, "vace_14B", FileRole.MODULE) == [
        "wan2.1_Vace_14B_module_quanto_mbf16_int8.safetensors"]


def test_module_ids_pull_in_each_named_module(real_wan):
    modules = files_of(real_wan.scan(), "vace_multitalk_14B", FileRole.MODULE)
    assert modules[0] == "wan2.1_Vace_14B_module_quanto_mbf16_int8.safetensors"
    assert len(modules) == 2 and "multitalk" in modules[1].lower()


def test_chatterbox_is_stored_in_its_alternate_folder(real_wan):
    (transformer,) = real_wan.scan().get("chatterbox").files
    assert transformer.path == str(real_wan.root / "ckpts" / "chatterbox" / "t3_mtl23ls_v2.safetensors")


def test_fp8_only_experts_are_picked_under_int8(real_wan):
    inventory = real_wan.scan()
    model = "i2v_2_2_Enhanced_Lightning_v2"
    assert files_of(inventory, model, FileRole.TRANSFORMER) == ["wan22EnhancedLightning_v2I2VFP8HIGH.safetensors"]
    assert files_of(inventory, model, FileRole.TRANSFORMER2) == ["wan22EnhancedLightning_v2I2VFP8LOW.safetensors"]


def test_a_warm_rescan_reuses_resolved_definitions(real_wan):
    analyzer = ModelAnalyzer(real_wan.catalog())
    first = analyzer.scan()
    plans = analyzer._plans
    second = analyzer.scan()
    assert analyzer._plans is plans
    assert [m.status for m in first.models] == [m.status for m in second.models]
