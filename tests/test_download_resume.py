"""A download whose process is stopped mid-file (SIGKILL, SIGTERM, Ctrl-C) continues from the bytes on disk.

Each test runs the real command line in a child process against the fake Hub, stops it while the server
holds the transfer half-way, then runs it again: the second run must ask for the rest only (a Range
request from the offset the first run reached) and end with the exact file under its final name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from fake_hub import FakeHub, Served
from test_downloads import weights
from wan2gp_fixture import WanFolder

from wan2gp_model_tracker.render.formatting import format_gb

REPO = "Org/Weights"
HF = f"https://huggingface.co/{REPO}/resolve/main"
SIZE = 3_000_000
PAUSE_AT = 1_200_000  # the server sends this many bytes, then waits while the test stops the client
EXIT = {signal.SIGKILL: -signal.SIGKILL, signal.SIGTERM: -signal.SIGTERM, signal.SIGINT: 130}


@dataclass
class Source:
    key: str  # the URL path the server logs
    served: Served
    data: bytes
    partial_glob: str  # where the partial file lies, under ckpts/
    target: Path


@pytest.fixture(params=["hub", "plain"])
def source(request, wan: WanFolder, hub: FakeHub) -> Source:
    """One model with one file, on the Hub or on a plain web server, served slowly enough to be stopped."""
    data = weights(SIZE)
    if request.param == "hub":
        key, url, glob = f"{REPO}/resolve/main/big.safetensors", f"{HF}/big.safetensors", \
            ".cache/huggingface/download/*.incomplete"
    else:
        key, url, glob = "files/big.safetensors", f"{hub.url}/files/big.safetensors", "big.safetensors.part"
    served = hub.add(key, data, pause_at=PAUSE_AT)
    wan.default("demo", URLs=[url])
    return Source(key, served, data, glob, wan.root / "ckpts" / "big.safetensors")


def cli_env(tmp_path: Path, hub: FakeHub) -> dict[str, str]:
    """The child's environment: the fake Hub, and every home, cache and data folder inside the test's folder."""
    home = tmp_path / "home"
    return {**os.environ, "HF_ENDPOINT": hub.url, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_DATA_HOME": str(home / ".local" / "share"), "HF_HOME": str(home / "hf"),
            "WAN2GP_TRACKER_DATA": str(home / "tracker-data"), "GRADIO_ANALYTICS_ENABLED": "False"}


def download(wan: WanFolder, *models: str) -> list[str]:
    return [sys.executable, "-m", "wan2gp_model_tracker", "download", "--wan2gp", str(wan.root), *models]


def wait_for_partial(process: subprocess.Popen, folder: Path, glob: str, size: int) -> Path:
    """The partial file once it holds ``size`` bytes; bounded, and failing at once if the child ends early."""
    for _ in range(600):  # up to 30 s
        found = [p for p in folder.glob(glob) if p.stat().st_size >= size]
        if found:
            return found[0]
        if process.poll() is not None:
            raise AssertionError(f"the download ended early: {process.communicate()[0]}")
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(0.05)
    raise AssertionError(f"{glob} never reached {size} bytes")


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_download_stopped_mid_file_resumes_from_the_bytes_on_disk(wan, hub, source, stop, tmp_path):
    env = cli_env(tmp_path, hub)
    first = subprocess.Popen(download(wan, "demo"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    try:
        partial = wait_for_partial(first, wan.root / "ckpts", source.partial_glob, PAUSE_AT)
        first.send_signal(stop)
        output = first.communicate(timeout=60)[0]
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(10)
    source.served.released.set()

    assert first.returncode == EXIT[stop], output
    assert not source.target.exists()
    assert partial.read_bytes() == source.data[:PAUSE_AT]  # kept, whatever stopped the process

    second = subprocess.run(download(wan, "demo"), env=env, capture_output=True, text=True, timeout=120)

    assert second.returncode == 0, second.stdout + second.stderr
    assert hub.ranges == [(source.key, PAUSE_AT)]
    assert hub.gets[source.key] == 2
    assert source.target.read_bytes() == source.data
    assert not partial.exists()
    assert f"resumed at {format_gb(PAUSE_AT)}" in second.stdout


def test_two_models_download_through_the_command_line(wan, hub, tmp_path):
    files = {"one_bf16.safetensors": weights(400_000), "two_bf16.safetensors": weights(300_000),
             "enc/shared_bf16.safetensors": weights(100_000)}
    for path, data in files.items():
        hub.add(f"{REPO}/resolve/main/{path}", data)
    wan.config(checkpoints_paths=["ckpts", "."], text_encoder_quantization="bf16")
    for name in ("one", "two"):
        wan.default(name, URLs=[f"{HF}/{name}_bf16.safetensors"],
                    text_encoder_URLs=[f"{HF}/enc/shared_bf16.safetensors"], text_encoder_folder="enc")

    run = subprocess.run(download(wan, "one", "two"), env=cli_env(tmp_path, hub), capture_output=True, text=True,
                         timeout=120)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "one: 🟦 downloaded" in run.stdout and "two: 🟦 downloaded" in run.stdout
    ckpts = wan.root / "ckpts"
    assert (ckpts / "one_bf16.safetensors").read_bytes() == files["one_bf16.safetensors"]
    assert (ckpts / "two_bf16.safetensors").read_bytes() == files["two_bf16.safetensors"]
    assert (ckpts / "enc" / "shared_bf16.safetensors").read_bytes() == files["enc/shared_bf16.safetensors"]
    assert hub.gets[f"{REPO}/resolve/main/enc/shared_bf16.safetensors"] == 1  # needed twice, fetched once


def test_offline_mode_is_named_as_the_reason(wan, hub, tmp_path):
    hub.add(f"{REPO}/resolve/main/one.safetensors", weights(10_000))
    wan.default("demo", URLs=[f"{HF}/one.safetensors"])

    run = subprocess.run(download(wan, "demo"), env={**cli_env(tmp_path, hub), "HF_HUB_OFFLINE": "1"},
                         capture_output=True, text=True, timeout=120)

    assert run.returncode == 4, run.stdout + run.stderr
    assert "one.safetensors: not downloaded because HF_HUB_OFFLINE is set" in run.stdout
    assert sum(hub.gets.values()) == 0


def test_the_terminal_progress_shows_hostile_names_as_text(tmp_path, capsys):
    """rich reads "[...]" as markup: a file name holding "[/x]" must neither crash the bar nor style it."""
    import time

    from wan2gp_model_tracker.commands import download as command
    from wan2gp_model_tracker.downloads.plan import DownloadPlan, PlannedFile
    from wan2gp_model_tracker.downloads.queue import DownloadQueue

    name = "evil[/x][bold]\x1b[31m.safetensors"

    def fetched(item, progress, cancel, options, on_verify, on_resume):
        on_resume(1000)
        progress(2000, 2000)
        return item.target

    queue = DownloadQueue(fetcher=fetched)
    queue.submit(DownloadPlan(("m",), (PlannedFile(name, "http://x", str(tmp_path / "f"), 2000, False, ("m",)),),
                              (), ()))
    snapshot = command._follow_rich(queue, time.monotonic() + 30)

    out = capsys.readouterr().out
    assert snapshot.jobs[0].resumed_from == 1000
    assert "evil[/x][bold]\\x1b[31m.safetensors · resumed at 1 KB [done]" in out
