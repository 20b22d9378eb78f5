"""Download status per model and per file, as Wan2GP decides it (HOST.md section 6)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from wan2gp_fixture import WanFolder, url

from wan2gp_model_tracker.hub.local_dir import HF_DOWNLOAD_CACHE, hub_incomplete_name
from wan2gp_model_tracker.records import FileRole, ModelStatus, download_bytes

T2V_URLS = [url("t2v_14B_mbf16.safetensors"), url("t2v_14B_quanto_mbf16_int8.safetensors")]
TE_URLS = [url("umt5-xxl/umt5_bf16.safetensors"), url("umt5-xxl/umt5_quanto_int8.safetensors")]


def add_t2v(wan: WanFolder, **extra) -> None:
    wan.default("t2v", URLs=T2V_URLS, text_encoder_URLs=TE_URLS, text_encoder_folder="umt5-xxl", **extra)


def status(wan: WanFolder, model_type: str, bf16: bool = True) -> ModelStatus:
    return wan.scan(bf16).get(model_type).status


# --- the status rule -----------------------------------------------------------------------

def test_every_expected_file_present_means_downloaded(wan):
    add_t2v(wan)
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors")
    wan.weight("ckpts/umt5-xxl/umt5_quanto_int8.safetensors")
    assert status(wan, "t2v") is ModelStatus.DOWNLOADED


def test_main_weights_without_text_encoder_are_partial(wan):
    add_t2v(wan)
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors")
    model = wan.scan().get("t2v")
    assert model.status is ModelStatus.PARTIAL
    assert "umt5_quanto_int8.safetensors" in model.status_reason


def test_secondary_files_are_ignored_when_no_main_file_exists(wan):
    add_t2v(wan)
    wan.weight("ckpts/umt5-xxl/umt5_quanto_int8.safetensors")
    assert status(wan, "t2v") is ModelStatus.MISSING


def test_only_another_quantization_on_disk_is_partial_and_names_it(wan):
    add_t2v(wan)
    wan.weight("ckpts/t2v_14B_mbf16.safetensors", size=10_000)
    model = wan.scan().get("t2v")
    assert model.status is ModelStatus.PARTIAL
    transformer = model.files[0]
    assert transformer.filename == "t2v_14B_quanto_mbf16_int8.safetensors"
    assert [v.filename for v in transformer.other_variants] == ["t2v_14B_mbf16.safetensors"]
    assert transformer.size_bytes == 5_000 and transformer.size_is_estimate


def test_bf16_setting_makes_the_16_bit_file_the_expected_one(wan):
    add_t2v(wan)
    wan.config(transformer_quantization="bf16", text_encoder_quantization="bf16")
    wan.weight("ckpts/t2v_14B_mbf16.safetensors")
    wan.weight("ckpts/umt5-xxl/umt5_bf16.safetensors")
    assert status(wan, "t2v") is ModelStatus.DOWNLOADED


def test_two_experts_need_both_files(wan):
    wan.default("t22", URLs=[url("high_int8.safetensors")], URLs2=[url("low_int8.safetensors")])
    wan.weight("ckpts/high_int8.safetensors")
    assert status(wan, "t22") is ModelStatus.PARTIAL
    wan.weight("ckpts/low_int8.safetensors")
    assert status(wan, "t22") is ModelStatus.DOWNLOADED


def test_nothing_on_disk_is_missing(wan):
    add_t2v(wan)
    assert status(wan, "t2v") is ModelStatus.MISSING


def test_a_definition_without_urls_is_missing(wan):
    wan.default("empty", URLs=[])
    model = wan.scan().get("empty")
    assert model.status is ModelStatus.MISSING and model.files == ()


def test_module_files_are_secondary(wan):
    add_t2v(wan)
    module = [url("vace_mbf16.safetensors"), url("vace_quanto_mbf16_int8.safetensors")]
    wan.default("vace", URLs="t2v", modules=[module],
                text_encoder_URLs="t2v", text_encoder_folder="umt5-xxl")
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors")
    wan.weight("ckpts/umt5-xxl/umt5_quanto_int8.safetensors")
    inventory = wan.scan()
    vace = inventory.get("vace")
    assert vace.status is ModelStatus.PARTIAL
    assert [f.filename for f in vace.files if f.role is FileRole.MODULE] == ["vace_quanto_mbf16_int8.safetensors"]
    wan.weight("ckpts/vace_quanto_mbf16_int8.safetensors")
    assert status(wan, "vace") is ModelStatus.DOWNLOADED


def test_module_ids_resolve_to_the_named_models_module(wan):
    add_t2v(wan)
    wan.default("multitalk", URLs="t2v", modules=[[url("multitalk_int8.safetensors")]])
    wan.default("combo", URLs="t2v", modules=["multitalk"])
    modules = [f.filename for f in wan.scan().get("combo").files if f.role is FileRole.MODULE]
    assert modules == ["multitalk_int8.safetensors"]


def test_a_module_pair_without_urls2_keeps_the_model_partial(wan):
    wan.default("m", URLs=[url("m.safetensors")], modules=[{"URLs": [url("mod.safetensors")]}])
    wan.weight("ckpts/m.safetensors")
    model = wan.scan().get("m")
    assert model.status is ModelStatus.PARTIAL
    assert "URLs2" in model.status_reason


def test_builtin_loras_are_looked_up_in_the_models_lora_folder(wan):
    wan.default("alpha", architecture="alpha", URLs=[url("a.safetensors")], loras=[url("dora.safetensors")])
    wan.weight("ckpts/a.safetensors")
    model = wan.scan().get("alpha")
    lora = [f for f in model.files if f.role is FileRole.LORA][0]
    assert model.status is ModelStatus.PARTIAL
    assert lora.path == str(wan.root / "loras" / "wan" / "dora.safetensors")
    wan.weight("loras/wan/dora.safetensors")
    wan.weight("ckpts/umt5-xxl/models_t5_umt5-xxl-enc-quanto_int8.safetensors")  # the text encoder its handler adds
    assert status(wan, "alpha") is ModelStatus.DOWNLOADED


def test_preload_entries_may_point_into_the_lora_folder(wan):
    wan.default("ltx2_19B", URLs=[url("ltx.safetensors")], preload_URLs=[url("sys_lora.safetensors") + "|%lora_dir"])
    wan.weight("ckpts/ltx.safetensors")
    wan.weight("loras/ltx2/sys_lora.safetensors")
    wan.weight("ckpts/gemma-3-12b-it-qat-q4_0-unquantized/"  # the text encoder its handler adds
               "gemma-3-12b-it-qat-q4_0-unquantized_quanto_bf16_int8.safetensors")
    assert status(wan, "ltx2_19B") is ModelStatus.DOWNLOADED


def test_alternate_folder_entries_are_found_in_their_sub_folder(wan):
    wan.default("chatterbox", URLs=[url("t3.safetensors") + "|chatterbox"])
    wan.weight("ckpts/t3.safetensors")
    assert status(wan, "chatterbox") is ModelStatus.MISSING
    wan.weight("ckpts/chatterbox/t3.safetensors")
    assert status(wan, "chatterbox") is ModelStatus.DOWNLOADED


def test_text_encoder_is_also_found_directly_in_a_root(wan):
    add_t2v(wan)
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors")
    wan.weight("ckpts/umt5_quanto_int8.safetensors")
    assert status(wan, "t2v") is ModelStatus.DOWNLOADED


def test_every_checkpoint_root_is_searched_in_order(wan):
    add_t2v(wan)
    wan.config(checkpoints_paths=["ckpts", "/nonexistent-root", "more"])
    wan.weight("more/t2v_14B_quanto_mbf16_int8.safetensors", size=111)
    wan.weight("ckpts/umt5-xxl/umt5_quanto_int8.safetensors")
    model = wan.scan().get("t2v")
    assert model.status is ModelStatus.DOWNLOADED
    assert model.files[0].path == str(wan.root / "more" / "t2v_14B_quanto_mbf16_int8.safetensors")
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors", size=222)
    assert wan.scan().get("t2v").files[0].size_bytes == 222


def test_the_dot_root_finds_entries_given_as_local_paths(wan):
    wan.default("mine", URLs=["ckpts/custom/my_model.safetensors"])
    wan.weight("ckpts/custom/my_model.safetensors")
    assert status(wan, "mine") is ModelStatus.DOWNLOADED


def test_missing_files_show_where_wan2gp_would_download_them(wan):
    add_t2v(wan)
    wan.config(checkpoints_paths=["first", "second"])
    (wan.root / "second" / "umt5-xxl").mkdir(parents=True)
    files = {f.role: f for f in wan.scan().get("t2v").files}
    assert files[FileRole.TRANSFORMER].path == str(wan.root / "first" / "t2v_14B_quanto_mbf16_int8.safetensors")
    # Text encoders go to the first root that already has their folder.
    assert files[FileRole.TEXT_ENCODER].path == str(wan.root / "second" / "umt5-xxl" / "umt5_quanto_int8.safetensors")


def test_file_names_are_case_sensitive_like_the_host_on_linux(wan):
    if os.path.normcase("A") == "a":
        pytest.skip("case-insensitive platform")
    wan.default("m", URLs=[url("Model.safetensors")])
    wan.weight("ckpts/model.safetensors")
    assert status(wan, "m") is ModelStatus.MISSING


# --- sizes ---------------------------------------------------------------------------------

def test_present_files_report_their_real_size(wan):
    add_t2v(wan)
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors", size=123_456)
    transformer = wan.scan().get("t2v").files[0]
    assert (transformer.size_bytes, transformer.size_is_estimate) == (123_456, False)


def test_missing_files_carry_an_estimate_with_its_basis(wan):
    add_t2v(wan)
    transformer = wan.scan().get("t2v").files[0]
    assert transformer.size_is_estimate
    assert transformer.size_bytes == 14_000_000_000
    assert "14B" in transformer.size_basis


def test_a_shared_file_counts_once_in_a_download_total(wan):
    add_t2v(wan)
    wan.default("vace", URLs="t2v", text_encoder_URLs="t2v", text_encoder_folder="umt5-xxl")
    inventory = wan.scan()
    t2v, vace = inventory.get("t2v"), inventory.get("vace")
    assert t2v.download_bytes == vace.download_bytes
    assert download_bytes([t2v, vace]) == t2v.download_bytes
    assert inventory.summary().bytes_to_download == t2v.download_bytes


# --- warnings that never change the status --------------------------------------------------

def test_an_interrupted_hub_download_is_reported_on_the_file(wan):
    add_t2v(wan)
    name = hub_incomplete_name("t2v_14B_quanto_mbf16_int8.safetensors", "abc")
    partial = wan.root / "ckpts" / HF_DOWNLOAD_CACHE / name
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"x" * 1000)
    old = time.time() - 3600
    os.utime(partial, (old, old))
    inventory = wan.scan()
    transformer = inventory.get("t2v").files[0]
    assert inventory.get("t2v").status is ModelStatus.MISSING
    assert any("interrupted download: 1,000 bytes" in w for w in transformer.warnings)
    assert [d.bytes_so_far for d in inventory.incomplete_downloads] == [1000]


def test_a_fresh_partial_file_in_the_old_naming_is_a_download_in_progress(wan):
    add_t2v(wan)
    partial = wan.root / "ckpts" / HF_DOWNLOAD_CACHE / "t2v_14B_quanto_mbf16_int8.safetensors.0a1b.incomplete"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"x" * 10)
    (download,) = wan.scan().incomplete_downloads
    assert download.in_progress and download.filename == "t2v_14B_quanto_mbf16_int8.safetensors"


def test_partial_files_in_wan2gp_staging_folders_are_found(wan):
    add_t2v(wan)
    name = hub_incomplete_name("umt5_quanto_int8.safetensors", "e")
    staged = wan.root / "ckpts" / "_tempab12" / HF_DOWNLOAD_CACHE / "umt5-xxl" / name
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"x" * 5)
    assert [d.filename for d in wan.scan().incomplete_downloads] == ["umt5_quanto_int8.safetensors"]


def test_a_truncated_safetensors_file_is_flagged_but_still_counts(wan):
    wan.default("m", URLs=[url("m.safetensors")])
    path = wan.weight("ckpts/m.safetensors", size=10_000)
    with open(path, "r+b") as fh:
        fh.truncate(5_000)
    model = wan.scan().get("m")
    assert model.status is ModelStatus.DOWNLOADED
    assert any(w.startswith("truncated") for w in model.files[0].warnings)


def test_an_unreadable_header_is_flagged(wan):
    wan.default("m", URLs=[url("m.safetensors")])
    (wan.root / "ckpts" / "m.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!")
    (warning,) = wan.scan().get("m").files[0].warnings
    assert "unreadable safetensors header" in warning


def test_header_checks_are_cached_until_the_file_changes(wan):
    wan.default("m", URLs=[url("m.safetensors")])
    wan.weight("ckpts/m.safetensors")
    analyzer = wan.analyzer()
    analyzer.scan()
    analyzer.scan()
    assert analyzer.header_cache.files_opened == 1
    wan.weight("ckpts/m.safetensors", size=8192)
    analyzer.scan()
    assert analyzer.header_cache.files_opened == 2


def test_a_broken_link_is_reported_on_the_file(wan):
    wan.default("m", URLs=[url("m.safetensors")])
    os.symlink(wan.root / "elsewhere" / "gone.safetensors", wan.root / "ckpts" / "m.safetensors")
    model = wan.scan().get("m")
    assert model.status is ModelStatus.MISSING
    assert any("broken link" in w for w in model.files[0].warnings)


# --- bad input never stops the scan ------------------------------------------------------------

def test_a_circular_reference_is_an_error_on_that_model_only(wan):
    add_t2v(wan)
    wan.default("a", URLs="b")
    wan.default("b", URLs="a")
    inventory = wan.scan()
    assert any("circular" in e for e in inventory.get("a").errors)
    assert inventory.get("t2v").errors == ()


def test_a_dangling_reference_is_an_error(wan):
    wan.default("a", URLs="ghost")
    assert any("ghost" in e for e in wan.scan().get("a").errors)


def test_a_url_list_of_the_wrong_type_is_an_error(wan):
    wan.default("a", URLs=42)
    wan.default("b", URLs=[url("ok.safetensors")], loras={"not": "a list"})
    inventory = wan.scan()
    assert inventory.get("a").errors and inventory.get("a").status is ModelStatus.MISSING
    assert inventory.get("b").files[0].filename == "ok.safetensors"


def test_an_unreadable_folder_becomes_a_warning(wan, monkeypatch):
    add_t2v(wan)
    real_scandir = os.scandir
    blocked = str(wan.root / "ckpts")

    def scandir(path="."):
        if os.fspath(path) == blocked:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    inventory = wan.scan()
    assert any("permission denied" in w.message for w in inventory.warnings)
    assert inventory.get("t2v").status is ModelStatus.MISSING


def test_names_with_odd_characters_are_kept_verbatim(wan):
    odd = "Ünïcødé model | with <html> & *stars*"
    wan.default("odd_ä", name=odd, URLs=[url("weird name (1).safetensors")])
    wan.weight("ckpts/weird name (1).safetensors")
    model = wan.scan().get("odd_ä")
    assert model.name == odd and model.status is ModelStatus.DOWNLOADED


def test_folder_listings_do_not_grow_with_the_number_of_models(wan):
    for i in range(40):
        wan.default(f"m{i}", URLs=[url(f"m{i}_bf16.safetensors"), url(f"m{i}_quanto_int8.safetensors")],
                    text_encoder_URLs=TE_URLS, text_encoder_folder="umt5-xxl")
        if i % 2:
            wan.weight(f"ckpts/m{i}_quanto_int8.safetensors")
    few = wan.analyzer()
    few.scan()
    calls_for_40 = few.last_fs_calls
    for i in range(40, 200):
        wan.default(f"m{i}", URLs=[url(f"m{i}_bf16.safetensors"), url(f"m{i}_quanto_int8.safetensors")],
                    text_encoder_URLs=TE_URLS, text_encoder_folder="umt5-xxl")
    many = wan.analyzer()
    many.scan()
    # The same folders and the same present files: only the definitions grew.
    assert many.last_fs_calls == calls_for_40


def test_a_file_added_between_two_scans_is_seen(wan):
    add_t2v(wan)
    analyzer = wan.analyzer()
    assert analyzer.scan().get("t2v").status is ModelStatus.MISSING
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors")
    assert analyzer.scan().get("t2v").status is ModelStatus.PARTIAL


def test_settled_folders_are_not_listed_again_until_they_change(wan, monkeypatch):
    add_t2v(wan)
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors", size=1000)
    an_hour_ago = time.time() - 3600
    for folder in (wan.root, wan.root / "ckpts"):
        os.utime(folder, (an_hour_ago, an_hour_ago))
    analyzer = wan.analyzer()
    analyzer.scan()
    listed = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path=".": listed.append(os.fspath(path)) or real_scandir(path))
    # Sizes are read fresh even when the names are reused.
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors", size=2000)
    os.utime(wan.root / "ckpts", (an_hour_ago, an_hour_ago))
    assert analyzer.scan().get("t2v").files[0].size_bytes == 2000
    assert str(wan.root / "ckpts") not in listed
    wan.weight("ckpts/umt5-xxl/umt5_quanto_int8.safetensors")  # a new sub-folder changes ckpts' mtime
    assert analyzer.scan().get("t2v").status is ModelStatus.DOWNLOADED
    assert str(wan.root / "ckpts") in listed


def settle(folder: Path) -> None:
    """Date every folder below ``folder`` an hour back, as an install's folders are: their listings are then reused."""
    an_hour_ago = time.time() - 3600
    for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        os.utime(path, (an_hour_ago, an_hour_ago))


def test_a_rescan_that_finds_every_file_as_it_was_keeps_every_record(wan):
    add_t2v(wan)
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors", size=1000)
    settle(wan.root)
    analyzer = wan.analyzer()
    first = analyzer.scan().get("t2v")
    assert analyzer.scan().get("t2v") is first
    assert analyzer.scan().get("t2v") is first


def test_a_file_rewritten_after_a_rescan_that_changed_nothing_is_seen(wan):
    add_t2v(wan)
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors", size=1000)
    settle(wan.root)
    analyzer = wan.analyzer()
    analyzer.scan()
    analyzer.scan()  # nothing changed: this one reuses what the first looked up
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors", size=3000)
    settle(wan.root)
    assert analyzer.scan().get("t2v").files[0].size_bytes == 3000
    (wan.root / "ckpts" / "t2v_14B_quanto_mbf16_int8.safetensors").unlink()
    settle(wan.root)  # the same folder times as before: only the listing's absence of the file tells
    assert analyzer.scan().get("t2v").status is ModelStatus.MISSING


def test_an_edited_definition_after_a_rescan_that_changed_nothing_is_seen(wan):
    add_t2v(wan)
    settle(wan.root)
    analyzer = wan.analyzer()
    analyzer.scan()
    analyzer.scan()
    add_t2v(wan, name="Renamed")
    settle(wan.root)
    assert analyzer.scan().get("t2v").name == "Renamed"


# --- the seed's per-model questions ----------------------------------------------------------

def test_per_model_helpers_answer_from_the_latest_scan(wan):
    add_t2v(wan)
    wan.weight("ckpts/t2v_14B_quanto_mbf16_int8.safetensors", size=2_000_000_000)
    analyzer = wan.analyzer()
    assert analyzer.get_model_status("t2v") is ModelStatus.PARTIAL
    assert [f.filename for f in analyzer.get_model_files("t2v")] == [
        "t2v_14B_quanto_mbf16_int8.safetensors", "umt5_quanto_int8.safetensors"]
    assert analyzer.get_download_urls("t2v") == [TE_URLS[1]]
    assert analyzer.get_model_size_gb("t2v") == pytest.approx(2.0 + 5.7, rel=1e-6)
    with pytest.raises(KeyError):
        analyzer.get_model_status("nope")


def test_vram_estimate_uses_the_curated_figures_for_a_known_model(wan):
    add_t2v(wan)
    wan.default("my_model", URLs=[url("my_5B_bf16.safetensors")])
    analyzer = wan.analyzer()
    t2v = analyzer.estimate_vram_usage("t2v")
    assert (t2v.source, t2v.vram_min_gb) == ("curated", 8)
    assert analyzer.estimate_vram_usage("my_model").source == "estimated"


def test_scanning_never_writes_to_the_checkpoint_folders(wan):
    add_t2v(wan)
    wan.weight("ckpts/t2v_14B_mbf16.safetensors")
    before = sorted(str(p) for p in Path(wan.root).rglob("*"))
    wan.scan()
    assert sorted(str(p) for p in Path(wan.root).rglob("*")) == before
