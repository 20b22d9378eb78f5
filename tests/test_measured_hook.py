"""The before_metadata_save hook inside the stand-in host, with a stand-in torch.cuda: what each generation
really used is recorded into the tracker's own database, and Wan2GP's settings pass through untouched."""

from __future__ import annotations

import copy
import importlib
import logging
import sys
from datetime import datetime

import pytest
from outputs_fixture import settings as output_settings
from outputs_fixture import write_mp4
from standin_host import run_data_hooks
from standin_torch import StandInCuda, standin_torch
from test_plugin import PLUGIN_ID, host, loaded  # noqa: F401  (the host fixture is shared)

from wan2gp_model_tracker.usage.measurements import load, measured_peaks
from wan2gp_model_tracker.usage.store import DB_FILENAME, UsageStore

HOOK = "before_metadata_save"


def settings(**changes):
    base = {"prompt": "a cat", "resolution": "832x480", "video_length": 81, "num_inference_steps": 30,
            "seed": 1234, "model_type": "t2v", "type": "WanGP v12.60 by DeepBeepMeep - Wan2.1 t2v 14B"}
    return {**base, **changes}


@pytest.fixture
def plugin(host, wgp):  # noqa: F811
    wgp.is_generation_in_progress = lambda: True
    wgp.server_config.update({"profile": 4, "video_profile": 4, "image_profile": 3})
    loaded = host.load(PLUGIN_ID)
    host.inject_globals(loaded, vars(wgp))
    return loaded


@pytest.fixture
def cuda(monkeypatch) -> StandInCuda:
    fake = StandInCuda()
    monkeypatch.setitem(sys.modules, "torch", standin_torch(fake))
    return fake


def save(plugin, data, model_type="t2v"):
    """What Wan2GP does before writing an output's metadata."""
    return run_data_hooks([plugin], HOOK, configs=data, plugin_data={}, model_type=model_type)


def runs(wan):
    return load(UsageStore(str(wan.root / "plugins" / PLUGIN_ID / DB_FILENAME)))


def test_the_plugin_registers_the_hook(plugin):
    assert len(plugin._data_hooks[HOOK]) == 1


def test_a_generation_records_its_peaks_and_resets_them(plugin, cuda, wan):
    cuda.in_use = int(0.5 * 1024**3)
    cuda.run(allocated_gb=9.1, reserved_gb=9.8)
    save(plugin, settings())
    (run,) = runs(wan)
    assert (run.model_type, run.width, run.height, run.frames, run.steps, run.batch) == ("t2v", 832, 480, 81, 30, 1)
    assert (run.vram_reserved_gb, run.vram_allocated_gb) == (9.8, 9.1)
    assert (run.profile, run.quantization) == ("4", "int8")
    assert (run.gpu_name, run.gpu_total_gb) == ("NVIDIA GeForce RTX 4090", 24.0)
    assert run.ram_peak_gb is None or run.ram_peak_gb > 0
    assert cuda.resets == 1 and cuda.max_memory_reserved() == cuda.in_use


def test_each_generation_counts_from_the_previous_record(plugin, cuda, wan):
    cuda.run(allocated_gb=9.0, reserved_gb=9.8)
    save(plugin, settings(seed=1))
    cuda.run(allocated_gb=6.0, reserved_gb=7.0)
    save(plugin, settings(seed=2))
    assert [r.vram_reserved_gb for r in runs(wan)] == [9.8, 7.0]
    (peak,) = measured_peaks(UsageStore(str(wan.root / "plugins" / PLUGIN_ID / DB_FILENAME)))["t2v"]
    assert (peak.vram_peak_gb, peak.runs, peak.profile, peak.frames) == (9.8, 2, "4", 81)


def test_the_files_of_one_generation_count_as_one_run(plugin, cuda, wan):
    """A batch of images (or sliding windows) writes several files with the same settings."""
    image = settings(resolution="1024x1024", image_mode=1, batch_size=2, video_length=1)
    cuda.run(allocated_gb=12.0, reserved_gb=13.0)
    save(plugin, image)
    cuda.run(allocated_gb=3.0, reserved_gb=3.5)
    save(plugin, dict(image))
    (run,) = runs(wan)
    assert (run.vram_reserved_gb, run.frames, run.batch, run.profile) == (13.0, 2, 2, "3")


def test_the_settings_come_back_as_the_same_untouched_object(plugin, cuda):
    cuda.run(allocated_gb=9.0, reserved_gb=9.8)
    data = settings(activated_loras=["a.safetensors"], override_profile=-1)
    before = copy.deepcopy(data)
    assert save(plugin, data) is data
    assert data == before


def test_the_profile_is_the_runs_own(plugin, cuda, wan, wgp):
    cuda.run(allocated_gb=1, reserved_gb=2)
    save(plugin, settings(seed=1, override_profile=3.5))  # the settings' own profile wins
    wgp.default_profile_video = 5  # what --profile and the Configuration tab set
    cuda.run(allocated_gb=1, reserved_gb=2)
    save(plugin, settings(seed=2))
    del wgp.default_profile_video
    wgp.server_config["video_profile"] = 4.5
    cuda.run(allocated_gb=1, reserved_gb=2)
    save(plugin, settings(seed=3))
    assert [r.profile for r in runs(wan)] == ["3+", "5", "4+"]


def test_a_settings_export_is_not_a_generation(plugin, cuda, wan, wgp):
    cuda.run(allocated_gb=9.0, reserved_gb=9.8)

    def collect_current_model_settings():  # Wan2GP's export path calls the hook from this function
        return save(plugin, settings())

    collect_current_model_settings()
    wgp.is_generation_in_progress = lambda: False
    save(plugin, settings(seed=9))
    assert runs(wan) == []
    assert cuda.resets == 0  # the peak still belongs to the generation that will be saved next


def test_nothing_ran_on_the_gpu_nothing_recorded(plugin, cuda, wan):
    save(plugin, settings())
    assert runs(wan) == []


@pytest.mark.parametrize("torch_module, reason", [
    (standin_torch(StandInCuda(available=False)), "Wan2GP runs on the CPU"),
    (standin_torch(StandInCuda(available=False), mps=True), "Apple MPS"),
    (standin_torch(object()), "no usable torch.cuda"),
])
def test_without_cuda_nothing_is_recorded_and_it_is_said_once(plugin, wan, monkeypatch, caplog, torch_module,
                                                              reason):
    monkeypatch.setitem(sys.modules, "torch", torch_module)
    caplog.set_level(logging.INFO)
    data = settings()
    assert save(plugin, data) is data and save(plugin, settings(seed=2)) is not None
    assert runs(wan) == []
    assert len([r for r in caplog.records if reason in r.getMessage()]) == 1


def test_the_tracker_never_imports_torch(plugin, wan, monkeypatch, caplog, tmp_path):
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    importable = tmp_path / "site" / "torch"  # an import would succeed, so it would show in sys.modules
    importable.mkdir(parents=True)
    (importable / "__init__.py").write_text("cuda = None\n")
    monkeypatch.syspath_prepend(str(importable.parent))
    caplog.set_level(logging.INFO)
    data = settings()
    assert save(plugin, data) is data
    assert "torch" not in sys.modules
    assert runs(wan) == []
    assert any("torch is not loaded" in r.getMessage() for r in caplog.records)


def test_a_failing_database_is_logged_once_and_the_generation_goes_on(plugin, cuda, wan, caplog):
    (wan.root / "plugins" / PLUGIN_ID / DB_FILENAME).mkdir()  # where the database file should be
    caplog.set_level(logging.INFO)
    for seed in (1, 2):
        cuda.run(allocated_gb=9.0, reserved_gb=9.8)
        data = settings(seed=seed)
        assert save(plugin, data) is data
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "measurement" in r.getMessage()]
    assert len(warnings) == 1


def test_a_database_that_breaks_later_is_logged_once(plugin, cuda, wan, caplog, monkeypatch):
    cuda.run(allocated_gb=9.0, reserved_gb=9.8)
    save(plugin, settings(seed=1))
    store = UsageStore(str(wan.root / "plugins" / PLUGIN_ID / DB_FILENAME))
    with store.transaction() as conn:
        conn.execute("DROP TABLE measurements")  # another program damaged it
    caplog.set_level(logging.INFO)
    for seed in (2, 3):
        cuda.run(allocated_gb=9.0, reserved_gb=9.8)
        data = settings(seed=seed)
        assert save(plugin, data) is data
    assert len([r for r in caplog.records if "could not record a measurement" in r.getMessage()]) == 1


def test_an_old_host_without_data_hooks_still_loads(host, wgp, monkeypatch):  # noqa: F811
    from standin_host import WAN2GPPlugin

    monkeypatch.delattr(WAN2GPPlugin, "register_data_hook")
    plugin = host.load(PLUGIN_ID)
    assert plugin._data_hooks == {}


def test_the_tab_shows_the_peak_and_the_speed_per_profile(host, wgp, wan, cuda):  # noqa: F811
    wgp.is_generation_in_progress = lambda: True
    wgp.server_config.update({"video_profile": 4})
    plugin, _, _ = loaded(host, wgp)
    cuda.run(allocated_gb=9.1, reserved_gb=9.8)
    save(plugin, settings())
    write_mp4(wan.root / "outputs" / "a.mp4", output_settings("t2v", seconds=90, steps=30, created=datetime.now()))
    data = plugin._controller.refresh()
    assert list(data.usage["t2v"].speed_by_profile) == ["4"]
    details = importlib.import_module(f"{PLUGIN_ID}.wan2gp_model_tracker.ui.details").detail_markdown(
        data, "t2v", None)
    assert "- **Measured speed per profile:** profile 4: 3 s/step (1 run)" in details
    assert "⏱ measured: peak 9.8 GB VRAM" in details
