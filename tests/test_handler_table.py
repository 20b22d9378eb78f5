"""The table of what Wan2GP's family handlers add, and offline statuses that follow Wan2GP's rule with it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from wan2gp_fixture import url

from wan2gp_model_tracker.catalog.families import family_of
from wan2gp_model_tracker.catalog.handler_files import HANDLER_FILES, WAN2GP_COMMIT, HandlerEntry, handler_keys
from wan2gp_model_tracker.catalog.snapshot import build_snapshot, save_snapshot
from wan2gp_model_tracker.model_analyzer import MAY_BE_INCOMPLETE
from wan2gp_model_tracker.records import FileRole, ModelStatus
from wan2gp_model_tracker.render.formatting import status_cell

WITH_TEXT_ENCODER = sorted(a for a, e in HANDLER_FILES.items() if e.text_encoder is not None)
WITHOUT = sorted(a for a, e in HANDLER_FILES.items() if e.text_encoder is None and not e.varies)


def text_encoder(model):
    return next(f for f in model.files if f.role is FileRole.TEXT_ENCODER)


@pytest.mark.catalog
def test_every_architecture_of_the_real_catalog_is_in_the_table(real_catalog_dir):
    architectures = {json.loads(p.read_text(encoding="utf-8"))["model"]["architecture"]
                     for p in real_catalog_dir.glob("*.json")}
    assert len(architectures) > 100
    assert sorted(architectures - set(HANDLER_FILES)) == []


@pytest.mark.parametrize("architecture", sorted(HANDLER_FILES))
def test_every_entry_says_where_in_wan2gp_it_was_read(architecture):
    entry: HandlerEntry = HANDLER_FILES[architecture]
    assert re.fullmatch(rf"Wan2GP {WAN2GP_COMMIT} models/[\w/]+_handler\.py:\d+", entry.source)
    if entry.text_encoder is not None:
        assert re.match(r"models/[\w/]+\.py:\d+", entry.text_encoder.source)
        assert all(u.startswith("https://huggingface.co/DeepBeepMeep/") and u.endswith((".safetensors", ".gguf"))
                   for u in entry.text_encoder.urls)
        assert all(f"/{entry.text_encoder.folder}/" in u for u in entry.text_encoder.urls)
    assert family_of(architecture) != "unknown"


@pytest.mark.parametrize("architecture", WITH_TEXT_ENCODER)
def test_offline_a_missing_handler_text_encoder_makes_the_model_partial_as_in_wan2gp(wan, architecture):
    wan.default("m", architecture=architecture, URLs=[url("m.safetensors")])
    wan.weight("ckpts/m.safetensors")
    model = wan.scan().get("m")
    assert model.status is ModelStatus.PARTIAL and model.completeness_note == ""
    encoder = text_encoder(model)
    assert not encoder.present and Path(encoder.path).parent.name == HANDLER_FILES[architecture].text_encoder.folder
    for missing in model.missing_files:  # the text encoder, and krea2 edit's preloaded vision encoder
        wan.weight(str(Path(missing.path).relative_to(wan.root)))
    model = wan.scan().get("m")
    assert model.status is ModelStatus.DOWNLOADED and status_cell(model) == "🟦 downloaded"


@pytest.mark.parametrize("architecture", WITHOUT)
def test_a_handler_that_adds_no_text_encoder_leaves_the_json_alone(wan, architecture):
    wan.default("m", architecture=architecture, URLs=[url("m.safetensors")])
    wan.weight("ckpts/m.safetensors")
    model = wan.scan().get("m")
    assert model.status is ModelStatus.DOWNLOADED and model.completeness_note == ""
    assert not any(f.role is FileRole.TEXT_ENCODER for f in model.files)


def test_the_text_encoder_quantization_picks_the_variant_as_wan2gp_does(wan):
    wan.default("m", architecture="t2v", URLs=[url("m.safetensors")])
    assert text_encoder(wan.scan().get("m")).filename == "models_t5_umt5-xxl-enc-quanto_int8.safetensors"
    wan.config(text_encoder_quantization="bf16")
    assert text_encoder(wan.scan().get("m")).filename == "models_t5_umt5-xxl-enc-bf16.safetensors"


def test_the_jsons_text_encoder_wins_over_the_table(wan):
    wan.default("m", architecture="t2v", URLs=[url("m.safetensors")], text_encoder_URLs=[url("mine.safetensors")],
                text_encoder_folder="mine")
    encoder = text_encoder(wan.scan().get("m"))
    assert (encoder.filename, Path(encoder.path).parent.name) == ("mine.safetensors", "mine")


def test_an_empty_text_encoder_list_in_the_json_means_none(wan):
    wan.default("m", architecture="t2v", URLs=[url("m.safetensors")], text_encoder_URLs=[])
    wan.weight("ckpts/m.safetensors")
    assert wan.scan().get("m").status is ModelStatus.DOWNLOADED


def test_ideogram4_takes_the_nf4_text_encoder_with_nf4_weights():
    fp8 = handler_keys("ideogram4", {"URLs": [url("ideogram4_fp8.safetensors")]})
    nf4 = handler_keys("ideogram4", {"URLs": [url("ideogram4_NF4.safetensors")]})
    assert fp8["text_encoder_URLs"][0].endswith("Qwen3-VL-8B-Instruct_fp8.safetensors")
    assert nf4["text_encoder_URLs"][0].endswith("Qwen3-VL-8B-Instruct_nf4.safetensors")


@pytest.mark.parametrize(("variant", "name"), [(None, "Qwen3-VL-32B-Instruct-layer50_bf16.safetensors"),
                                               ("gguf_q4_k_m", "qwen3vl-32B-MiniMax-H3-Q4_K_M.gguf")])
def test_minimax_h3_follows_the_definitions_text_encoder_variant(variant, name):
    keys = handler_keys("minimax_h3_fl2va", {"text_encoder_variant": variant} if variant else {})
    assert keys["text_encoder_URLs"][0].endswith(name)


def test_krea2_edit_models_need_the_vision_encoder_the_handler_preloads(wan):
    wan.default("m", architecture="krea2_raw_edit", URLs=[url("m.safetensors")])
    preload = [f for f in wan.scan().get("m").files if f.role is FileRole.PRELOAD]
    assert [(f.filename, Path(f.path).parent.name) for f in preload] == [
        ("Qwen3-VL-4B-Instruct_vision_bf16.safetensors", "Qwen3-VL-4B-Instruct")]


def test_ltx2_system_loras_in_preload_urls_are_looked_for_in_the_lora_folder(wan):
    lora = "https://huggingface.co/DeepBeepMeep/LTX-2/resolve/main/ltx-2-19b-distilled-lora-384.safetensors"
    other = url("other.safetensors")
    wan.default("m", architecture="ltx2_19B", URLs=[url("m.safetensors")], preload_URLs=[lora, other])
    paths = {f.filename: f.path for f in wan.scan().get("m").files if f.role is FileRole.PRELOAD}
    assert paths["ltx-2-19b-distilled-lora-384.safetensors"] == str(
        wan.root / "loras" / "ltx2" / "ltx-2-19b-distilled-lora-384.safetensors")
    assert Path(paths["other.safetensors"]).parent == wan.root / "ckpts"


def test_a_text_encoder_the_table_cannot_name_leaves_the_model_flagged(wan):
    wan.default("m", architecture="kiwi_edit", URLs=[url("m.safetensors")])
    wan.weight("ckpts/m.safetensors")
    model = wan.scan().get("m")
    assert model.status is ModelStatus.DOWNLOADED and model.completeness_note == MAY_BE_INCOMPLETE


def test_a_model_the_snapshot_lacks_is_completed_from_the_table(wan):
    wan.default("t2v", URLs=[url("t2v.safetensors")])
    wan.default("flux", URLs=[url("flux.safetensors")])
    folder = wan.root / "plugins" / "tracker"
    folder.mkdir(parents=True)
    snapshot_def = {"text_encoder_URLs": [url("umt5-xxl/saved.safetensors")], "text_encoder_folder": "umt5-xxl"}
    save_snapshot(str(folder), build_snapshot({"t2v": snapshot_def}, {}, {}, {}, ""))
    inventory = wan.scan()
    assert text_encoder(inventory.get("t2v")).filename == "saved.safetensors"  # the snapshot, not the table
    assert text_encoder(inventory.get("flux")).filename == "T5_xxl_1.1_enc_quanto_bf16_int8.safetensors"


@pytest.mark.catalog
def test_ltx2_19b_of_the_real_catalog_is_partial_offline_without_its_gemma_encoder(real_catalog_dir, wan):
    """The one disagreement measured against a real Wan2GP (issue 18): 🟨 there, 🟦 here before the table."""
    for path in real_catalog_dir.glob("ltx2_19B*.json"):
        shutil.copy(path, wan.root / "defaults" / path.name)
    model = wan.scan().get("ltx2_19B")
    for f in model.files:
        if f.core:
            wan.weight(str(Path(f.path).relative_to(wan.root)))
    model = wan.scan().get("ltx2_19B")
    assert model.status is ModelStatus.PARTIAL
    assert "gemma" in text_encoder(model).filename and not text_encoder(model).present
