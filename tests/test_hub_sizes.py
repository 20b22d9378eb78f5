"""Exact sizes from the Hugging Face Hub: fetched once in the background, cached, reused offline, never blocking."""

from __future__ import annotations

import json
import os
import time

import pytest
from fake_hub import FakeHub, dead_endpoint, in_repo, resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wan2gp_fixture import NEUTRAL_ARCHITECTURE, url  # no handler text encoder: one repository to ask

from wan2gp_model_tracker import cli
from wan2gp_model_tracker.hub.sizes import HubSizes
from wan2gp_model_tracker.hub.urls import HubFile, parse_hub_url
from wan2gp_model_tracker.model_analyzer import ModelAnalyzer

REPO = "DeepBeepMeep/Test"
SIZE = 14_289_000_123


@pytest.fixture
def network(monkeypatch):
    """Let the tracker use the network again (conftest turns it off for every other test)."""
    monkeypatch.delenv("WAN2GP_TRACKER_NO_NETWORK", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


@pytest.fixture
def hub(network, hub):
    for path, size in {"t2v.safetensors": SIZE, "vae/Wan2.1_VAE.safetensors": 507_000_000}.items():
        hub.add(resolve(REPO, path), size)
    return hub


@pytest.fixture
def model(wan):
    wan.default("t2v", architecture=NEUTRAL_ARCHITECTURE, URLs=[url("t2v.safetensors")])
    return wan


def transformer(inventory):
    return inventory.get("t2v").files[0]


def scan_with(wan, sizes: HubSizes):
    return ModelAnalyzer(wan.catalog(), hub_sizes=sizes)


def test_sizes_come_from_the_hub_once_and_are_exact(model, hub, tmp_path):
    sizes = HubSizes(str(tmp_path / "cache"), endpoint=hub.url)
    analyzer = scan_with(model, sizes)
    first = transformer(analyzer.scan())
    assert first.size_source == "unknown"  # nothing known yet: the scan did not wait
    assert sizes.wait(5)
    second = transformer(analyzer.scan())
    assert (second.size_bytes, second.size_source, second.size_is_estimate) == (SIZE, "hub", False)
    assert "Hugging Face Hub" in second.size_basis
    analyzer.scan()
    assert sizes.wait(5) and len(hub.requests) == 1


def test_a_size_that_arrives_while_nothing_changes_on_disk_is_shown(model, hub, tmp_path):
    an_hour_ago = time.time() - 3600
    for folder in [model.root, *(p for p in model.root.rglob("*") if p.is_dir())]:
        os.utime(folder, (an_hour_ago, an_hour_ago))  # settled folders: a rescan reuses what it looked up
    sizes = HubSizes(str(tmp_path / "cache"), endpoint=hub.url)
    analyzer = scan_with(model, sizes)
    assert transformer(analyzer.scan()).size_source == "unknown"
    assert sizes.wait(5)
    assert transformer(analyzer.scan()).size_bytes == SIZE


def test_cached_sizes_are_reused_offline(model, hub, tmp_path, monkeypatch):
    cache = str(tmp_path / "cache")
    warm = HubSizes(cache, endpoint=hub.url)
    scan_with(model, warm).scan()
    assert warm.wait(5)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = HubSizes(cache, endpoint=hub.url)
    record = transformer(scan_with(model, offline).scan())
    assert (record.size_bytes, record.size_source) == (SIZE, "hub")
    assert len(hub.requests) == 1


def test_the_cache_file_names_the_repository_revision_and_date(model, hub, tmp_path):
    sizes = HubSizes(str(tmp_path / "cache"), endpoint=hub.url)
    scan_with(model, sizes).scan()
    assert sizes.wait(5)
    [name] = os.listdir(tmp_path / "cache" / "hub-sizes")
    data = json.loads((tmp_path / "cache" / "hub-sizes" / name).read_text())
    assert (data["repo_id"], data["revision"]) == (REPO, "main")
    entry = data["files"]["t2v.safetensors"]
    assert entry["size"] == SIZE and entry["checked_at"][:4].isdigit()
    assert entry["sha256"] == hub.files[resolve(REPO, "t2v.safetensors")].sha256


def test_hf_endpoint_chooses_the_hub_when_each_fetch_starts(model, hub, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    sizes = HubSizes(str(tmp_path / "cache"))
    scan_with(model, sizes).scan()
    assert sizes.wait(5)
    assert sizes.known(HubFile(REPO, "main", "t2v.safetensors")).size == SIZE


def test_file_metadata_is_used_where_the_paths_info_api_is_missing(model, network, tmp_path):
    with FakeHub(in_repo(REPO, {"t2v.safetensors": SIZE}), paths_info=False) as server:
        sizes = HubSizes(str(tmp_path / "cache"), endpoint=server.url)
        analyzer = scan_with(model, sizes)
        analyzer.scan()
        assert sizes.wait(5)
        assert transformer(analyzer.scan()).size_bytes == SIZE
        assert [m for m, _ in server.requests] == ["POST", "HEAD"]


def test_a_file_the_hub_lacks_keeps_its_estimate_and_is_not_asked_again(wan, hub, tmp_path):
    wan.default("t2v", architecture=NEUTRAL_ARCHITECTURE, URLs=[url("gone_14B.safetensors")])
    sizes = HubSizes(str(tmp_path / "cache"), endpoint=hub.url)
    analyzer = scan_with(wan, sizes)
    analyzer.scan()
    assert sizes.wait(5)
    record = transformer(analyzer.scan())
    assert record.size_source == "estimate" and record.size_bytes == 28_000_000_000
    assert sizes.wait(5) and len(hub.requests) == 1


def test_a_dead_endpoint_never_blocks_or_breaks_a_scan(model, network, tmp_path):
    sizes = HubSizes(str(tmp_path / "cache"), endpoint=dead_endpoint(), timeout=1)
    analyzer = scan_with(model, sizes)
    started = time.monotonic()
    inventory = analyzer.scan()
    assert time.monotonic() - started < 1
    assert sizes.wait(5)
    again = analyzer.scan()
    assert transformer(again).size_source == "unknown" and transformer(inventory).size_source == "unknown"
    assert any("did not answer" in w.message for w in again.warnings)


def test_a_slow_endpoint_times_out_in_the_background(model, network, tmp_path):
    with FakeHub(in_repo(REPO, {"t2v.safetensors": SIZE}), delay=3) as server:
        sizes = HubSizes(str(tmp_path / "cache"), endpoint=server.url, timeout=0.5)
        analyzer = scan_with(model, sizes)
        started = time.monotonic()
        analyzer.scan()
        assert time.monotonic() - started < 1
        assert sizes.wait(2.5)  # one request, bounded by its timeout
        assert transformer(analyzer.scan()).size_source == "unknown"
        analyzer.scan()  # the endpoint rests after failing: no second attempt now
        assert sizes.wait(0) and len(server.requests) == 1


@pytest.mark.parametrize("setting", ["HF_HUB_OFFLINE", "WAN2GP_TRACKER_NO_NETWORK"])
def test_offline_settings_stop_every_request(model, hub, tmp_path, monkeypatch, setting):
    monkeypatch.setenv(setting, "1")
    sizes = HubSizes(str(tmp_path / "cache"), endpoint=hub.url)
    scan_with(model, sizes).scan()
    assert sizes.wait(1) and hub.requests == []


@pytest.mark.parametrize("content", ["{not json", '{"format": 1, "repo_id": "other/repo", "revision": "main", '
                                                '"files": {}}', '[1, 2]'])
def test_a_damaged_cache_file_is_ignored_with_a_warning(model, network, tmp_path, content):
    cache = tmp_path / "cache"
    sizes = HubSizes(str(cache), network=False)
    scan_with(model, sizes).scan()
    folder = cache / "hub-sizes"
    folder.mkdir(parents=True)
    from wan2gp_model_tracker.hub.sizes import _cache_name

    (folder / _cache_name(REPO, "main")).write_text(content)
    fresh = HubSizes(str(cache), network=False)
    inventory = scan_with(model, fresh).scan()
    assert transformer(inventory).size_source == "unknown"
    assert any("ignored the Hub size cache" in w.message for w in inventory.warnings)


def test_hostile_entries_in_the_cache_are_skipped(model, tmp_path):
    from wan2gp_model_tracker.hub.sizes import _cache_name

    folder = tmp_path / "cache" / "hub-sizes"
    folder.mkdir(parents=True)
    (folder / _cache_name(REPO, "main")).write_text(json.dumps({
        "format": 1, "repo_id": REPO, "revision": "main",
        "files": {"t2v.safetensors": {"size": "huge", "checked_at": "x"}, "other": {"size": -1, "checked_at": "x"}}}))
    sizes = HubSizes(str(tmp_path / "cache"), network=False)
    assert transformer(scan_with(model, sizes).scan()).size_source == "unknown"


def test_the_command_line_waits_briefly_for_exact_sizes(model, hub, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    assert cli.main(["inventory", "--wan2gp", str(model.root), "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)["models"][0]["files"][0]
    assert (record["size_bytes"], record["size_source"]) == (SIZE, "hub")


def test_no_network_on_the_command_line_asks_nobody(model, hub, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    assert cli.main(["inventory", "--wan2gp", str(model.root), "--format", "json", "--no-network"]) == 0
    record = json.loads(capsys.readouterr().out)["models"][0]["files"][0]
    assert record["size_source"] == "estimate" and hub.requests == []


def test_a_whole_folder_a_handler_fetches_gets_the_size_of_everything_in_it(network, tmp_path):
    from wan2gp_model_tracker.catalog.download_defs import AssetEntry

    folder = AssetEntry(REPO, "xlm-roberta-large", "xlm-roberta-large", "")
    files = {"xlm-roberta-large/a.json": 10, "xlm-roberta-large/b.bin": 200, "xlm-roberta-large/c/d.bin": 3000,
             "other/e.bin": 7}
    with FakeHub(in_repo(REPO, files)) as server:
        sizes = HubSizes(str(tmp_path / "cache"), endpoint=server.url)
        sizes.request([parse_hub_url(folder.url)])
        assert sizes.wait(5)
        assert sizes.known(parse_hub_url(folder.url)).size == 3210
        assert [m for m, _ in server.requests] == ["GET", "GET"]  # two pages


def test_a_repository_the_hub_does_not_have_costs_one_request(wan, hub, tmp_path):
    wan.default("t2v", architecture=NEUTRAL_ARCHITECTURE, URLs=["https://huggingface.co/Nobody/Nothing/resolve/main/x.safetensors"])
    sizes = HubSizes(str(tmp_path / "cache"), endpoint=hub.url)
    scan_with(wan, sizes).scan()
    assert sizes.wait(5) and [m for m, _ in hub.requests] == ["POST"]


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                               st.sampled_from(["format", "repo_id", "revision", "files", "size", "checked_at",
                                                "sha256", "t2v.safetensors"]), inner, max_size=5), max_leaves=15)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=json_values)
def test_any_cache_content_gives_valid_sizes_or_none(tmp_path, files):
    from wan2gp_model_tracker.hub.sizes import _cache_name

    folder = tmp_path / "cache" / "hub-sizes"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _cache_name(REPO, "main")).write_text(json.dumps(
        {"format": 1, "repo_id": REPO, "revision": "main", "files": files}))
    known = HubSizes(str(tmp_path / "cache"), network=False).known(HubFile(REPO, "main", "t2v.safetensors"))
    assert known is None or (isinstance(known.size, int) and known.size >= 0)


def test_the_tab_never_waits_and_shows_exact_sizes_on_the_next_refresh(model, network, monkeypatch):
    from test_tracker_view import machine

    from wan2gp_model_tracker.render.formatting import download_cell
    from wan2gp_model_tracker.ui.view import TrackerController

    with FakeHub(in_repo(REPO, {"t2v.safetensors": SIZE}), delay=1.5) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        controller = TrackerController(model.catalog(), hardware_probe=machine())
        started = time.monotonic()
        first = controller.refresh().inventory.get("t2v")
        assert time.monotonic() - started < 1.2  # the Hub takes 1.5 s to answer; the tab did not wait
        assert download_cell(first).startswith("~")  # an estimate, marked as one
        assert controller.analyzer.hub_sizes.wait(5)
        assert download_cell(controller.refresh().inventory.get("t2v")) == "14.3 GB"
