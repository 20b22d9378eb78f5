"""What a generation fetches beyond the definition's own files: the family handler's assets and the shared tools."""

from __future__ import annotations

import json
import shutil
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wan2gp_fixture import LIVE_T2V, fake_fl, url

from wan2gp_model_tracker.catalog.download_defs import AssetEntry, DownloadDefError, asset_entries
from wan2gp_model_tracker.catalog.live import HostGlobals, LiveCatalog
from wan2gp_model_tracker.catalog.snapshot import load_snapshot, save_snapshot, snapshot_from_state
from wan2gp_model_tracker.model_analyzer import MAY_BE_INCOMPLETE, ModelAnalyzer
from wan2gp_model_tracker.records import FileRole, ModelStatus
from wan2gp_model_tracker.render.formatting import status_cell
from wan2gp_model_tracker.render.renderers import inventory_dict, render_table

VAE_REPO = "DeepBeepMeep/Wan2.1"


class WanHandler:
    """Shaped like Wan2GP's wan handler: the VAE at the root, tokenizer files and a whole folder."""

    calls: list[tuple] = []

    @staticmethod
    def query_model_files(computeList, base_model_type, model_def=None):
        WanHandler.calls.append((base_model_type, computeList("https://x/y/Wan2.1_VAE.safetensors")))
        return [
            {"repoId": VAE_REPO, "sourceFolderList": [""], "fileList": [["Wan2.1_VAE.safetensors"]]},
            {"repoId": VAE_REPO, "sourceFolderList": ["umt5-xxl", "xlm-roberta-large"],
             "fileList": [["special_tokens_map.json", "spiece.model"], []]},
        ]


class BrokenHandler:
    @staticmethod
    def query_model_files(computeList, base_model_type, model_def=None):
        raise RuntimeError("handler exploded")


def handlers(model_type):
    if model_type == "broken":
        return BrokenHandler
    return WanHandler


@pytest.fixture
def host(wan, wgp, monkeypatch):
    """A running Wan2GP with t2v's transformer and text encoder on disk and a wan-shaped handler."""
    monkeypatch.chdir(wan.root)
    wgp.get_model_handler = handlers
    wgp.get_base_model_type = lambda model_type: wgp.models_def[model_type]["architecture"]
    wan.weight("ckpts/t2v_quanto_mbf16_int8.safetensors")
    wan.weight("ckpts/umt5-xxl/umt5_quanto_int8.safetensors")
    return wan


def scan():
    return ModelAnalyzer(LiveCatalog(HostGlobals({}))).scan()


def handler_files(model):
    return {f.filename: f for f in model.files if f.role is FileRole.HANDLER}


def test_the_handlers_files_become_records_with_their_download_url_and_target(host):
    files = handler_files(scan().get("t2v"))
    assert set(files) == {"Wan2.1_VAE.safetensors", "special_tokens_map.json", "spiece.model", "xlm-roberta-large/"}
    vae = files["Wan2.1_VAE.safetensors"]
    assert vae.url == f"https://huggingface.co/{VAE_REPO}/resolve/main/Wan2.1_VAE.safetensors"
    assert vae.path == str(host.root / "ckpts" / "Wan2.1_VAE.safetensors") and not vae.present
    tokens = files["spiece.model"]
    assert tokens.url == f"https://huggingface.co/{VAE_REPO}/resolve/main/umt5-xxl/spiece.model"
    # The folder already exists in the first root: that is where Wan2GP would put the file.
    assert tokens.path == str(host.root / "ckpts" / "umt5-xxl" / "spiece.model")
    assert WanHandler.calls[-1] == ("t2v", ["Wan2.1_VAE.safetensors"])


def test_handler_files_on_disk_are_found_in_any_checkpoint_root(host, wgp):
    wgp.fl = fake_fl(["ckpts", "big_disk"])
    host.weight("big_disk/Wan2.1_VAE.safetensors", size=254_000_000)
    (host.root / "big_disk" / "xlm-roberta-large").mkdir()
    host.weight("big_disk/xlm-roberta-large/model.safetensors", size=1_000)
    files = handler_files(scan().get("t2v"))
    vae, folder = files["Wan2.1_VAE.safetensors"], files["xlm-roberta-large/"]
    assert vae.present and vae.path == str(host.root / "big_disk" / "Wan2.1_VAE.safetensors")
    assert vae.size_bytes == 254_000_000 and vae.size_source == "disk"
    assert folder.is_folder and folder.present and folder.size_bytes == 1_000


def test_a_missing_folder_is_a_missing_folder_record(host):
    folder = handler_files(scan().get("t2v"))["xlm-roberta-large/"]
    assert folder.is_folder and not folder.present and folder.size_source == "unknown"
    assert folder.path == str(host.root / "ckpts" / "xlm-roberta-large")


def test_handler_files_never_change_the_status_but_make_the_model_incomplete(host):
    model = scan().get("t2v")
    assert model.status is ModelStatus.DOWNLOADED
    assert model.complete is False
    assert {f.filename for f in model.missing_files} == {"Wan2.1_VAE.safetensors", "special_tokens_map.json",
                                                         "spiece.model", "xlm-roberta-large/"}


def test_a_model_is_complete_once_every_handler_file_is_there(host):
    host.weight("ckpts/Wan2.1_VAE.safetensors")
    for name in ("special_tokens_map.json", "spiece.model"):
        (host.root / "ckpts" / "umt5-xxl" / name).write_text("{}")
    (host.root / "ckpts" / "xlm-roberta-large").mkdir()
    model = scan().get("t2v")
    assert model.complete is True and model.missing_files == ()


def test_one_failing_handler_is_an_error_on_its_model_only(host, wgp):
    wgp.models_def["broken"] = {**LIVE_T2V, "name": "Broken", "architecture": "t2v"}
    inventory = scan()
    broken, fine = inventory.get("broken"), inventory.get("t2v")
    assert any("handler exploded" in e for e in broken.errors)
    assert broken.status is ModelStatus.DOWNLOADED and broken.complete is None
    assert fine.errors == () and handler_files(fine)


def test_a_host_without_get_model_handler_leaves_completeness_unknown(host, wgp):
    del wgp.get_model_handler
    model = scan().get("t2v")
    assert not handler_files(model) and model.complete is None and not model.handler_files_known


def test_the_hosts_own_missing_file_check_wins_when_it_exists(host, monkeypatch):
    host.weight("ckpts/Wan2.1_VAE.safetensors")
    asked = []

    def download_def_missing_files(defs):
        asked.append(defs)
        return ["umt5-xxl/spiece.model", "Wan2.1_VAE.safetensors"]

    module = types.ModuleType("shared.utils.download")
    module.download_def_missing_files = download_def_missing_files
    monkeypatch.setitem(sys.modules, "shared.utils.download", module)
    files = handler_files(scan().get("t2v"))
    assert len(asked) == 1  # once per scan, for every asset of every model
    assert not files["spiece.model"].present and not files["Wan2.1_VAE.safetensors"].present
    assert "would download it again" in files["Wan2.1_VAE.safetensors"].warnings[0]
    assert files["special_tokens_map.json"].present  # the host finds it; the tracker says it could not
    assert files["special_tokens_map.json"].warnings


# --- the shared tools ---------------------------------------------------------------------------

def test_shared_tools_are_one_line_for_the_install_not_per_model(host, wgp):
    wgp.query_core_shared_model_files = lambda: [
        {"repoId": "DeepBeepMeep/Wan2.1", "sourceFolderList": ["pose", "depth"],
         "fileList": [["dw-ll_ucoco.onnx"], []]}]
    (host.root / "ckpts" / "depth").mkdir()
    inventory = scan()
    shared = {f.filename: f for f in inventory.shared_files}
    assert set(shared) == {"dw-ll_ucoco.onnx", "depth/"} and shared["depth/"].present
    assert not any(f.filename == "dw-ll_ucoco.onnx" for f in inventory.get("t2v").files)
    assert inventory.summary().shared_missing == 1
    text = render_table(inventory)
    assert "first generation in this Wan2GP also fetches 1 shared tool (dw-ll_ucoco.onnx)" in text
    data = inventory_dict(inventory)
    assert data["shared_tools"]["files"][0]["filename"] in shared and data["summary"]["shared_tools_missing"] == 1


def test_without_the_hosts_list_the_documented_shared_folders_are_checked(host):
    (host.root / "ckpts" / "pose").mkdir()
    inventory = scan()
    shared = {f.filename: f for f in inventory.shared_files}
    assert shared["pose/"].present and not shared["pyannote/"].present
    assert "the tracker does not know where" in shared["pyannote/"].warnings[0]


def test_a_failing_shared_tools_list_is_a_warning(host, wgp):
    def fail():
        raise RuntimeError("no list")

    wgp.query_core_shared_model_files = fail
    inventory = scan()
    assert any("no list" in w.message for w in inventory.warnings) and inventory.shared_files


# --- the snapshot and offline mode ---------------------------------------------------------------

def save_live_snapshot(host, wgp):
    wgp.query_core_shared_model_files = lambda: [
        {"repoId": "DeepBeepMeep/Wan2.1", "sourceFolderList": ["pose"], "fileList": [[]]}]
    state = LiveCatalog(HostGlobals({})).load()
    folder = host.root / "plugins" / "wan2gp-model-tracker"
    folder.mkdir(parents=True)
    return save_snapshot(str(folder), snapshot_from_state(state, "12.60"))


def test_the_snapshot_carries_the_handler_lists_and_the_shared_tools(host, wgp):
    wgp.models_def["broken"] = {**LIVE_T2V, "architecture": "t2v"}
    snap = load_snapshot(save_live_snapshot(host, wgp))
    assert [d["fileList"] for d in snap.handler_files["t2v"]][:2] == [[["Wan2.1_VAE.safetensors"]],
                                                                      [["special_tokens_map.json"]]]
    assert "broken" not in snap.handler_files
    assert snap.shared_files == [{"repoId": "DeepBeepMeep/Wan2.1", "sourceFolderList": ["pose"], "fileList": [[]],
                                  "targetFolderList": ["pose"]}]


def test_offline_scans_use_the_snapshots_handler_lists(host, wgp):
    save_live_snapshot(host, wgp)
    host.default("t2v", URLs=LIVE_T2V["URLs"])
    live = scan().get("t2v")
    offline = host.scan().get("t2v")
    assert [(f.filename, f.path, f.present) for f in offline.files] == [(f.filename, f.path, f.present)
                                                                        for f in live.files]
    assert offline.complete is False
    assert [f.filename for f in host.scan().shared_files] == ["pose/"]


def test_offline_says_when_the_snapshot_has_no_handler_lists(host):
    host.default("t2v", URLs=LIVE_T2V["URLs"])
    folder = host.root / "plugins" / "tracker"
    folder.mkdir(parents=True)
    (folder / "model_tracker_snapshot.json").write_text(json.dumps({"format": 1, "models": {"t2v": LIVE_T2V}}))
    inventory = host.scan()
    assert any("no family handler file lists" in w.message for w in inventory.warnings)
    assert inventory.get("t2v").complete is None


def test_hostile_handler_lists_in_a_snapshot_are_dropped(host):
    host.default("t2v", URLs=LIVE_T2V["URLs"])
    folder = host.root / "plugins" / "tracker"
    folder.mkdir(parents=True)
    (folder / "model_tracker_snapshot.json").write_text(json.dumps({
        "format": 1, "models": {"t2v": LIVE_T2V},
        "handler_files": {"t2v": [{"repoId": "x/y", "sourceFolderList": ["../../etc"], "fileList": [["passwd"]]}]},
        "shared_files": "nonsense"}))
    inventory = host.scan()
    assert not handler_files(inventory.get("t2v")) and inventory.get("t2v").complete is None


@pytest.mark.parametrize("architecture", ["flux2_dev", "ace_step_v1", "hunyuan_1_5_t2v", "ltx2_19B"])
def test_offline_without_a_snapshot_the_text_encoder_the_handler_adds_decides_as_in_wan2gp(wan, architecture):
    wan.default("m", architecture=architecture, URLs=[url("m.safetensors")])
    wan.weight("ckpts/m.safetensors")
    model = wan.scan().get("m")
    assert model.status is ModelStatus.PARTIAL  # the handler's text encoder is a secondary file Wan2GP checks
    encoder = next(f for f in model.files if f.role is FileRole.TEXT_ENCODER)
    wan.weight(str(Path(encoder.path).relative_to(wan.root)))
    model = wan.scan().get("m")
    assert model.status is ModelStatus.DOWNLOADED and model.completeness_note == ""


def test_a_handler_whose_text_encoder_depends_on_the_definition_leaves_the_model_flagged(wan):
    wan.default("m", architecture="kiwi_edit", URLs=[url("m.safetensors")])
    wan.weight("ckpts/m.safetensors")
    model = wan.scan().get("m")
    assert model.status is ModelStatus.DOWNLOADED  # Wan2GP's rule on what the JSON names
    assert model.completeness_note == MAY_BE_INCOMPLETE and model.complete is None
    assert status_cell(model) == "🟦 downloaded (may be incomplete)"
    assert inventory_dict(wan.scan())["models"][0]["completeness_note"].startswith("may be incomplete")


def test_a_model_whose_handler_adds_no_text_encoder_is_not_flagged(wan):
    wan.default("m", architecture="hidream_o1", URLs=[url("m.safetensors")])
    wan.weight("ckpts/m.safetensors")
    assert wan.scan().get("m").completeness_note == ""


# --- download defs ---------------------------------------------------------------------------

def test_download_defs_become_files_and_folders_under_their_target():
    entries = asset_entries({"repoId": "r/p", "sourceFolderList": ["src", ""], "fileList": [["a.json"], ["b.pt"]],
                             "targetFolderList": ["dst", None]})
    assert entries == (AssetEntry("r/p", "src", "dst", "a.json"), AssetEntry("r/p", "", "", "b.pt"))
    assert [e.local for e in entries] == ["dst/a.json", "b.pt"]


@pytest.mark.parametrize("bad", [
    "text", [1], {"repoId": "r", "sourceFolderList": ["a"], "fileList": [["x"], ["y"]]},
    {"repoId": "r", "sourceFolderList": ["../up"], "fileList": [["x"]]},
    {"repoId": "r", "sourceFolderList": [""], "fileList": [[]]},
    {"repoId": "r", "sourceFolderList": ["a"], "fileList": [["../../x"]]},
])
def test_malformed_download_defs_are_refused(bad):
    with pytest.raises(DownloadDefError):
        asset_entries(bad)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                               st.sampled_from(["repoId", "sourceFolderList", "fileList", "targetFolderList", "x"]),
                               inner, max_size=4), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_is_read_or_refused_and_never_escapes_the_root(value):
    try:
        entries = asset_entries(value)
    except DownloadDefError:
        return
    for entry in entries:
        assert ".." not in entry.local.split("/") and not entry.local.startswith("/")


@pytest.mark.catalog
def test_on_the_real_catalog_the_measured_disagreements_are_flagged(real_catalog_dir, wan):
    for path in real_catalog_dir.glob("*.json"):
        shutil.copy(path, wan.root / "defaults" / path.name)
    empty = wan.scan()
    for model in empty.models:  # every model's own files present: what the JSON alone can see
        for f in model.files:
            if not f.present:
                wan.weight(str(Path(f.path).relative_to(wan.root)))
    inventory = wan.scan()
    flagged = {m.model_type for m in inventory.models if m.completeness_note}
    assert not flagged  # every text encoder of the real catalog is named, by its JSON or by the handler table
    by_type = {m.model_type: m for m in inventory.models}
    for model_type in ("ace_step_v1", "flux2_dev", "hunyuan_1_5_t2v", "ltx2_19B"):
        assert any(f.role is FileRole.TEXT_ENCODER for f in by_type[model_type].files), model_type


def test_exact_hub_sizes_fill_in_the_handlers_files_and_the_total(host, wgp, monkeypatch, tmp_path):
    from fake_hub import FakeHub, in_repo

    from wan2gp_model_tracker.hub.sizes import HubSizes

    monkeypatch.delenv("WAN2GP_TRACKER_NO_NETWORK")
    wgp.query_core_shared_model_files = lambda: [
        {"repoId": VAE_REPO, "sourceFolderList": ["xlm-roberta-large"], "fileList": [[]]}]
    files = {"Wan2.1_VAE.safetensors": 507_609_880, "umt5-xxl/special_tokens_map.json": 2_000,
             "umt5-xxl/spiece.model": 4_548_313, "xlm-roberta-large/model.bin": 1_000_000,
             "xlm-roberta-large/tokenizer.json": 9_000}
    with FakeHub(in_repo(VAE_REPO, files)) as server:
        sizes = HubSizes(str(tmp_path / "cache"), endpoint=server.url)
        analyzer = ModelAnalyzer(LiveCatalog(HostGlobals({})), hub_sizes=sizes)
        analyzer.scan()
        assert sizes.wait(5)
        inventory = analyzer.scan()
        model = inventory.get("t2v")
    assert inventory.summary().shared_bytes_to_download == 1_009_000  # the shared tool's folder, exact too
    assert {f.filename: (f.size_bytes, f.size_source) for f in model.missing_files} == {
        "Wan2.1_VAE.safetensors": (507_609_880, "hub"), "special_tokens_map.json": (2_000, "hub"),
        "spiece.model": (4_548_313, "hub"), "xlm-roberta-large/": (1_009_000, "hub")}
    assert model.download_bytes == sum(files.values()) and not model.download_is_estimate


def test_a_model_that_may_be_incomplete_does_not_claim_nothing_to_download(wan):
    from wan2gp_model_tracker.render.formatting import download_cell
    from wan2gp_model_tracker.render.renderers import table_rows

    wan.default("m", architecture="kiwi_edit", URLs=[url("m.safetensors")])
    wan.weight("ckpts/m.safetensors")
    model = wan.scan().get("m")
    assert download_cell(model) == "?" and table_rows([model])[0]["to download"] == "?"


def test_small_handler_files_do_not_read_as_zero():
    from wan2gp_model_tracker.render.formatting import format_gb

    assert [format_gb(726), format_gb(4_548_313 // 1000), format_gb(4_548_313)] == ["726 bytes", "5 KB", "5 MB"]
