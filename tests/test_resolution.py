"""The host's rules for picking files from a definition (HOST.md section 5), without any disk."""

from __future__ import annotations

import os

import pytest
from wan2gp_fixture import url

from wan2gp_model_tracker.catalog.resolution import (
    DefinitionError,
    local_name,
    model_filename,
    module_url_lists,
    pick_variant,
    recursive_prop,
    transformer_dtype,
    variant_label,
)

WAN_VARIANTS = [
    url("wan_14B_mbf16.safetensors"),
    url("wan_14B_quanto_mbf16_int8.safetensors"),
    url("wan_14B_quanto_mfp16_int8.safetensors"),
]


def test_int8_setting_picks_the_int8_file_of_the_compute_dtype():
    assert pick_variant(WAN_VARIANTS, "int8", "bf16") == WAN_VARIANTS[1]
    assert pick_variant(WAN_VARIANTS, "int8", "fp16") == WAN_VARIANTS[2]


def test_bf16_setting_takes_the_first_entry():
    assert pick_variant(WAN_VARIANTS, "bf16", "fp16") == WAN_VARIANTS[0]


def test_empty_quantization_means_bf16():
    assert pick_variant(WAN_VARIANTS, "", "bf16") == WAN_VARIANTS[0]


def test_fp8_setting_prefers_fp8_and_falls_back_to_int8():
    with_fp8 = [url("m_bf16.safetensors"), url("m_fp8.safetensors")]
    assert pick_variant(with_fp8, "fp8", "bf16") == with_fp8[1]
    assert pick_variant(WAN_VARIANTS, "fp8", "bf16") == WAN_VARIANTS[1]


def test_int8_setting_takes_an_fp8_file_when_no_int8_exists():
    with_fp8 = [url("m_bf16.safetensors"), url("m_fp8.safetensors")]
    assert pick_variant(with_fp8, "int8", "bf16") == with_fp8[1]


def test_dtype_filter_keeps_all_matches_when_none_has_the_dtype():
    only_fp16 = [url("m_bf16.safetensors"), url("m_quanto_fp16_int8.safetensors")]
    assert pick_variant(only_fp16, "int8", "bf16") == only_fp16[1]


def test_a_single_entry_is_always_picked():
    assert pick_variant([url("gguf_Q4_K_M.gguf")], "int8", "bf16") == url("gguf_Q4_K_M.gguf")


def test_an_empty_list_picks_nothing():
    assert pick_variant([], "int8", "bf16") == ""


def test_tokens_are_matched_in_the_basename_only():
    choices = [url("int8-repo/model_bf16.safetensors").replace("Test", "int8"), url("model_int8.safetensors")]
    assert pick_variant(choices, "int8", "bf16") == choices[1]


def test_string_reference_uses_the_referenced_models_urls():
    defs = {"t2v": {"architecture": "t2v", "URLs": WAN_VARIANTS}, "vace": {"architecture": "vace", "URLs": "t2v"}}
    assert model_filename(defs, "vace", "int8", "", True) == WAN_VARIANTS[1]


def test_auto_dtype_policy_follows_the_gpu():
    defs = {"t2v": {"architecture": "t2v", "URLs": WAN_VARIANTS}}
    assert model_filename(defs, "t2v", "int8", "", bf16_supported=False) == WAN_VARIANTS[2]
    assert model_filename(defs, "t2v", "int8", "fp16", bf16_supported=True) == WAN_VARIANTS[2]


def test_the_base_definitions_dtype_overrides_the_policy():
    defs = {"ltx": {"architecture": "ltx", "dtype": "bf16"}, "ltx_ft": {"architecture": "ltx"}}
    assert transformer_dtype(defs, "ltx_ft", "fp16", bf16_supported=True) == "bf16"


def test_second_submodel_reads_urls2():
    defs = {"m": {"architecture": "m", "URLs": [url("high.safetensors")], "URLs2": [url("low.safetensors")]}}
    assert model_filename(defs, "m", "int8", "", True, submodel_no=2) == url("low.safetensors")


def test_circular_reference_is_an_error():
    defs = {"a": {"URLs": "b"}, "b": {"URLs": "a"}}
    with pytest.raises(DefinitionError, match="circular"):
        model_filename(defs, "a", "int8", "", True)
    with pytest.raises(DefinitionError, match="circular"):
        recursive_prop(defs, "a", "URLs")


def test_dangling_reference_is_an_error_that_names_both_models():
    defs = {"a": {"URLs": "ghost"}}
    with pytest.raises(DefinitionError, match="'a'.*'ghost'"):
        recursive_prop(defs, "a", "URLs")


def test_absent_property_is_an_empty_list():
    assert recursive_prop({"a": {}}, "a", "loras") == []


def test_module_id_must_name_a_one_item_modules_list():
    defs = {
        "vace": {"modules": [[url("vace_module.safetensors")]]},
        "two": {"modules": [[url("x.safetensors")], [url("y.safetensors")]]},
        "user": {"modules": ["vace"]},
        "bad_user": {"modules": ["two"]},
    }
    assert module_url_lists(defs, "user") == [[url("vace_module.safetensors")]]
    with pytest.raises(DefinitionError, match="one-item list"):
        module_url_lists(defs, "bad_user")


def test_alternate_folder_entry_lives_in_that_sub_folder():
    assert local_name(url("t3.safetensors") + "|chatterbox") == os.path.join("chatterbox", "t3.safetensors")


def test_lora_dir_token_resolves_to_the_absolute_lora_folder(tmp_path):
    assert local_name(url("l.safetensors") + "|%lora_dir", str(tmp_path)) == str(tmp_path / "l.safetensors")
    with pytest.raises(DefinitionError, match="LoRA folder"):
        local_name(url("l.safetensors") + "|%lora_dir")


@pytest.mark.parametrize("folder", ["../escape", "/abs/path", "C:\\windows", "a/../../b"])
def test_unsafe_alternate_folders_are_refused(folder):
    with pytest.raises(DefinitionError, match="unsafe"):
        local_name(url("x.safetensors") + "|" + folder)


def test_local_paths_are_kept_and_may_not_use_the_pipe():
    assert local_name("ckpts/mine.safetensors") == "ckpts/mine.safetensors"
    with pytest.raises(DefinitionError):
        local_name("mine.safetensors|sub")


def test_more_than_one_pipe_is_refused():
    with pytest.raises(DefinitionError):
        local_name(url("x.safetensors") + "|a|b")


@pytest.mark.parametrize(
    ("name", "label"),
    [("m_quanto_mbf16_int8.safetensors", "int8"), ("m-fp8.safetensors", "fp8"), ("m_mbf16.safetensors", "bf16"),
     ("m-nvfp4.safetensors", "nvfp4"), ("m-Q6_K.gguf", "GGUF Q6_K"), ("t3_mtl23ls_v2.safetensors", "")],
)
def test_variant_labels(name, label):
    assert variant_label(url(name)) == label
