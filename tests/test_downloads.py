"""The download queue against a fake Hugging Face endpoint and a plain file server on 127.0.0.1."""

from __future__ import annotations

import io
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from fake_hub import dead_endpoint
from wan2gp_fixture import WanFolder

from wan2gp_model_tracker import cli
from wan2gp_model_tracker.catalog.demo import write_sparse_safetensors
from wan2gp_model_tracker.commands.download import (
    EXIT_FAILED,
    EXIT_LEFT_OFFLINE,
    EXIT_NO_SPACE,
    EXIT_OK,
    DownloadRequest,
    run_download,
)
from wan2gp_model_tracker.downloads import plan as plan_module
from wan2gp_model_tracker.downloads.fetch import FetchOptions, remote_metadata
from wan2gp_model_tracker.downloads.plan import DOWNLOAD, PlanError, build_plan
from wan2gp_model_tracker.downloads.queue import DownloadQueue, JobState
from wan2gp_model_tracker.downloads.reuse import ReuseIndex, Source
from wan2gp_model_tracker.records import ModelStatus

REPO = "Org/Weights"
HF = f"https://huggingface.co/{REPO}/resolve/main"
WAIT = 60  # seconds: every wait in these tests is bounded


def weights(size: int) -> bytes:
    """A valid safetensors file of ``size`` bytes, so the tracker's header check passes too."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "w.safetensors")
        write_sparse_safetensors(path, size)
        data = bytearray(Path(path).read_bytes())
    # Vary the payload so a wrong file cannot pass a checksum by accident.
    data[-64:] = os.urandom(64)
    return bytes(data)


@pytest.fixture
def model(wan: WanFolder, hub):
    """A model needing a main file, a text encoder in its folder and a preload file with a ``|folder``."""
    files = {"main_bf16.safetensors": weights(300_000), "enc/enc_bf16.safetensors": weights(50_000),
             "sub/extra.safetensors": weights(20_000)}
    for path, data in files.items():
        hub.add(f"{REPO}/resolve/main/{path}", data)
    wan.config(checkpoints_paths=["ckpts", "."], transformer_quantization="bf16", text_encoder_quantization="bf16")
    wan.default("demo", URLs=[f"{HF}/main_bf16.safetensors"], text_encoder_URLs=[f"{HF}/enc/enc_bf16.safetensors"],
                text_encoder_folder="enc", preload_URLs=[f"{HF}/sub/extra.safetensors|extra_folder"])
    return files


def run_queue(plan, **options) -> DownloadQueue:
    queue = DownloadQueue(options=FetchOptions(timeout=10, **options))
    queue.submit(plan)
    assert queue.wait(WAIT), "the queue did not finish in time"
    return queue


def test_a_queued_model_ends_downloaded_in_wan2gps_layout(wan, model, hub):
    inventory = wan.scan()
    assert inventory.get("demo").status is ModelStatus.MISSING
    plan = build_plan(inventory, ["demo"])

    queue = run_queue(plan)

    assert [j.state for j in queue.snapshot().jobs] == [JobState.DONE] * 3
    ckpts = wan.root / "ckpts"
    assert (ckpts / "main_bf16.safetensors").read_bytes() == model["main_bf16.safetensors"]
    assert (ckpts / "enc" / "enc_bf16.safetensors").read_bytes() == model["enc/enc_bf16.safetensors"]
    assert (ckpts / "extra_folder" / "extra.safetensors").read_bytes() == model["sub/extra.safetensors"]
    after = wan.scan().get("demo")
    assert after.status is ModelStatus.DOWNLOADED
    assert not any(f.warnings for f in after.files)
    assert queue.snapshot().completed_models == ("demo",)


def test_hub_files_use_huggingface_hubs_lock_and_metadata_in_the_target_folder(wan, model, hub):
    run_queue(build_plan(wan.scan(), ["demo"]))

    download_cache = wan.root / "ckpts" / ".cache" / "huggingface" / "download"
    assert (download_cache / "main_bf16.safetensors.lock").exists()
    assert (download_cache / "main_bf16.safetensors.metadata").exists()
    # A file whose target folder is not its folder in the repository goes straight to its target folder.
    assert (wan.root / "ckpts" / "extra_folder" / ".cache" / "huggingface" / "download"
            / "extra.safetensors.metadata").exists()
    assert not list((wan.root / "ckpts").rglob("*.incomplete"))


def test_huggingface_hub_sees_a_tracker_download_as_current(wan, model, hub):
    from huggingface_hub import hf_hub_download

    run_queue(build_plan(wan.scan(), ["demo"], only_files={"main_bf16.safetensors"}))
    before = len(hub.requests)

    path = hf_hub_download(REPO, "main_bf16.safetensors", local_dir=str(wan.root / "ckpts"), endpoint=hub.url)

    assert Path(path).read_bytes() == model["main_bf16.safetensors"]
    assert not [r for r in hub.requests[before:] if r[0] == "GET"]  # Wan2GP's own call downloads nothing


def test_a_dropped_connection_is_resumed_from_the_bytes_received(wan, model, hub):
    key = f"{REPO}/resolve/main/main_bf16.safetensors"
    hub.files[key].drop_once_at = 100_000

    queue = run_queue(build_plan(wan.scan(), ["demo"], only_files={"main_bf16.safetensors"}))

    assert queue.snapshot().jobs[0].state is JobState.DONE
    assert (wan.root / "ckpts" / "main_bf16.safetensors").read_bytes() == model["main_bf16.safetensors"]
    assert hub.gets[key] == 2
    assert hub.ranges == [(key, 100_000)]


def test_a_wrong_checksum_is_caught_and_the_file_removed(wan, model, hub):
    hub.files[f"{REPO}/resolve/main/main_bf16.safetensors"].sha256 = "0" * 64

    queue = run_queue(build_plan(wan.scan(), ["demo"], only_files={"main_bf16.safetensors"}))

    job = queue.snapshot().jobs[0]
    assert (job.state, job.error_kind) == (JobState.FAILED, "checksum")
    assert not (wan.root / "ckpts" / "main_bf16.safetensors").exists()
    assert queue.snapshot().completed_models == ()


def wait_for_bytes(hub, key: str, partial_glob: str, folder: Path, at_least: int) -> Path:
    """The partial file once it holds ``at_least`` bytes (bounded wait)."""
    for _ in range(400):  # up to 20 s
        found = [p for p in folder.glob(partial_glob) if p.stat().st_size >= at_least]
        if found:
            return found[0]
        threading.Event().wait(0.05)
    raise AssertionError(f"{partial_glob} never reached {at_least} bytes (GETs: {hub.gets[key]})")


def test_cancel_keeps_the_bytes_for_the_next_attempt_never_under_the_final_name(wan, model, hub):
    key = f"{REPO}/resolve/main/main_bf16.safetensors"
    data = weights(3_000_000)
    served = hub.add(key, data, chunk_delay=0.02)
    queue = DownloadQueue(options=FetchOptions(timeout=10))
    plan = build_plan(wan.scan(), ["demo"], only_files={"main_bf16.safetensors"})
    queue.submit(plan)
    ckpts = wan.root / "ckpts"
    wait_for_bytes(hub, key, ".cache/huggingface/download/*.incomplete", ckpts, 200_000)

    assert queue.cancel_all() == 1
    assert queue.wait(WAIT)

    assert queue.snapshot().jobs[0].state is JobState.CANCELLED
    assert not (ckpts / "main_bf16.safetensors").exists()
    [partial] = list(ckpts.rglob("*.incomplete"))
    kept = partial.stat().st_size
    assert 0 < kept < len(data) and data.startswith(partial.read_bytes())

    served.chunk_delay = 0
    queue.submit(plan)
    assert queue.wait(WAIT)

    job = queue.snapshot().jobs[0]
    assert (job.state, job.resumed_from) == (JobState.DONE, kept)
    assert hub.ranges == [(key, kept)]
    assert (ckpts / "main_bf16.safetensors").read_bytes() == data
    assert not list(ckpts.rglob("*.incomplete"))


def test_disk_full_is_refused_before_starting(wan, model, hub, monkeypatch):
    plan = build_plan(wan.scan(), ["demo"], probe=lambda folder: 1000, metadata=remote_metadata)
    assert not plan.fits
    assert "not enough free space" in plan.space_problems()[0]

    with pytest.raises(PlanError, match="not enough free space"):
        DownloadQueue().submit(plan)
    assert sum(hub.gets.values()) == 0  # the sizes came from HEAD requests; nothing was fetched

    monkeypatch.setattr(plan_module, "free_space", lambda folder: 1000)
    out = io.StringIO()
    assert run_download(wan.scan, DownloadRequest(("demo",)), out) == EXIT_NO_SPACE
    assert "Refused" in out.getvalue() and sum(hub.gets.values()) == 0


def test_a_copy_elsewhere_is_linked_not_downloaded(wan, model, hub, tmp_path):
    comfy = tmp_path / "ComfyUI" / "models" / "diffusion_models"
    comfy.mkdir(parents=True)
    (comfy / "main_bf16.safetensors").write_bytes(model["main_bf16.safetensors"])
    index = ReuseIndex([Source(str(tmp_path / "ComfyUI" / "models"), "ComfyUI")])
    # The Hub's exact size (asked with a HEAD request) confirms the copy.
    plan = build_plan(wan.scan(), ["demo"], find_reuse=index.candidates, link="hard", metadata=remote_metadata)

    main = next(f for f in plan.files if f.filename == "main_bf16.safetensors")
    assert (main.action, main.reuse_from) == ("hard", str(comfy / "main_bf16.safetensors"))
    assert plan.saved_bytes == len(model["main_bf16.safetensors"])
    run_queue(plan)
    target = wan.root / "ckpts" / "main_bf16.safetensors"
    assert os.path.samefile(target, comfy / "main_bf16.safetensors")
    assert hub.gets[f"{REPO}/resolve/main/main_bf16.safetensors"] == 0
    assert wan.scan().get("demo").status is ModelStatus.DOWNLOADED


def test_nothing_is_reused_without_the_users_choice(wan, model, hub, tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "main_bf16.safetensors").write_bytes(b"x")
    index = ReuseIndex([Source(str(tmp_path / "other"), "mine")])

    plan = build_plan(wan.scan(), ["demo"], find_reuse=index.candidates)

    main = next(f for f in plan.files if f.filename == "main_bf16.safetensors")
    assert main.action == DOWNLOAD and main.reuse and not main.reuse[0].size_confirmed


def test_a_gated_repository_names_the_licence_page(wan, model, hub):
    hub.add(f"{REPO}/resolve/main/main_bf16.safetensors", b"", status=401, error_code="GatedRepo")

    queue = run_queue(build_plan(wan.scan(), ["demo"], only_files={"main_bf16.safetensors"}))

    job = queue.snapshot().jobs[0]
    assert job.error_kind == "gated"
    assert f"{hub.url}/{REPO}" in job.error
    assert not (wan.root / "ckpts" / "main_bf16.safetensors").exists()


def test_a_missing_file_on_the_hub_is_a_404_on_that_file_only(wan, model, hub):
    del hub.files[f"{REPO}/resolve/main/sub/extra.safetensors"]

    queue = run_queue(build_plan(wan.scan(), ["demo"]))

    states = {j.filename: (j.state, j.error_kind) for j in queue.snapshot().jobs}
    assert states["extra.safetensors"] == (JobState.FAILED, "not_found")
    assert states["main_bf16.safetensors"] == (JobState.DONE, "")


def test_a_dead_endpoint_is_a_network_error_not_a_hang(wan, model, hub, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", dead_endpoint())

    queue = run_queue(build_plan(wan.scan(), ["demo"], only_files={"main_bf16.safetensors"}))

    assert queue.snapshot().jobs[0].error_kind == "network"


def test_plain_urls_resume_into_a_temporary_name(wan, hub):
    data = weights(200_000)
    hub.add("files/plain.safetensors", data, drop_once_at=70_000)
    wan.default("plain", URLs=[f"{hub.url}/files/plain.safetensors"])

    queue = run_queue(build_plan(wan.scan(), ["plain"]))

    assert queue.snapshot().jobs[0].state is JobState.DONE
    assert (wan.root / "ckpts" / "plain.safetensors").read_bytes() == data
    assert not (wan.root / "ckpts" / "plain.safetensors.part").exists()
    assert hub.gets["files/plain.safetensors"] == 2
    assert hub.ranges == [("files/plain.safetensors", 70_000)]


def test_one_file_needed_by_two_models_has_one_writer(wan, model, hub):
    wan.default("demo2", URLs=[f"{HF}/main_bf16.safetensors"])
    inventory = wan.scan()
    queue = DownloadQueue(options=FetchOptions(timeout=10))

    first = queue.submit(build_plan(inventory, ["demo"], only_files={"main_bf16.safetensors"}))
    second = queue.submit(build_plan(inventory, ["demo2"]))

    assert first == second
    assert queue.wait(WAIT)
    assert hub.gets[f"{REPO}/resolve/main/main_bf16.safetensors"] == 1
    assert set(queue.snapshot().completed_models) >= {"demo2"}


def test_the_download_command_fetches_and_rescans(wan, model, hub, capsys):
    code = cli.main(["download", "--wan2gp", str(wan.root), "demo"])

    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "done" in out and "demo: 🟦 downloaded" in out


def test_the_download_command_dry_run_changes_nothing(wan, model, hub, capsys):
    assert cli.main(["download", "--wan2gp", str(wan.root), "demo", "--dry-run"]) == EXIT_OK
    assert "Total to download" in capsys.readouterr().out
    assert sum(hub.gets.values()) == 0 and not (wan.root / "ckpts" / "main_bf16.safetensors").exists()


def test_the_download_command_exit_codes_say_what_failed(wan, model, hub, capsys):
    del hub.files[f"{REPO}/resolve/main/main_bf16.safetensors"]
    assert cli.main(["download", "--wan2gp", str(wan.root), "demo"]) == EXIT_FAILED
    assert cli.main(["download", "--wan2gp", str(wan.root), "demo", "--no-network"]) == EXIT_LEFT_OFFLINE
    assert cli.main(["download", "--wan2gp", str(wan.root), "no_such_model"]) == 2
    assert "not_found" not in capsys.readouterr().err


def another_writer_holds_the_lock(wan: WanFolder, filename: str) -> Any:
    """The lock huggingface_hub (so Wan2GP) holds in ``local_dir`` while it downloads ``filename``."""
    from filelock import FileLock

    lock_path = wan.root / "ckpts" / ".cache" / "huggingface" / "download" / f"{filename}.lock"
    lock_path.parent.mkdir(parents=True)
    lock = FileLock(str(lock_path))
    lock.acquire()
    return lock


def test_a_file_wan2gp_is_downloading_is_waited_for_not_fetched_twice(wan, model, hub):
    target = wan.root / "ckpts" / "main_bf16.safetensors"
    wan2gp = another_writer_holds_the_lock(wan, "main_bf16.safetensors")
    queue = DownloadQueue(options=FetchOptions(timeout=10))
    queue.submit(build_plan(wan.scan(), ["demo"], only_files={"main_bf16.safetensors"}))
    try:
        assert not queue.wait(1.5)
        assert queue.snapshot().jobs[0].state is JobState.DOWNLOADING
        assert hub.gets[f"{REPO}/resolve/main/main_bf16.safetensors"] == 0
        target.write_bytes(model["main_bf16.safetensors"])  # Wan2GP finishes its download
    finally:
        wan2gp.release()

    assert queue.wait(WAIT)
    assert queue.snapshot().jobs[0].state is JobState.DONE
    assert hub.gets[f"{REPO}/resolve/main/main_bf16.safetensors"] == 0


class FillingDisk:
    """``open`` for the transfer module: files it opens for writing take ``room`` bytes, then the disk is full."""

    def __init__(self, room: int) -> None:
        self.room = room

    def __call__(self, path, mode="r", *args, **kwargs):
        handle = open(path, mode, *args, **kwargs)  # noqa: SIM115 (the caller closes it)
        if "r" in mode:
            return handle
        disk, write = self, handle.write

        def limited(data: bytes) -> int:
            import errno

            if len(data) > disk.room:
                write(data[:disk.room])
                disk.room = 0
                handle.flush()
                raise OSError(errno.ENOSPC, "No space left on device")
            disk.room -= len(data)
            return write(data)

        handle.write = limited
        return handle


def test_a_full_disk_during_the_transfer_is_reported_and_the_bytes_kept(wan, model, hub, monkeypatch):
    from wan2gp_model_tracker.downloads import transfer

    monkeypatch.setattr(transfer, "open", FillingDisk(120_000), raising=False)
    plan = build_plan(wan.scan(), ["demo"], only_files={"main_bf16.safetensors"})

    job = run_queue(plan).snapshot().jobs[0]

    assert job.error_kind == "disk_full"
    assert job.error.startswith("main_bf16.safetensors: the disk is full")
    assert not (wan.root / "ckpts" / "main_bf16.safetensors").exists()
    [partial] = list((wan.root / "ckpts").rglob("*.incomplete"))
    assert partial.stat().st_size == 120_000

    monkeypatch.delattr(transfer, "open")  # space freed: the next run continues where the disk filled up
    job = run_queue(plan).snapshot().jobs[0]
    assert (job.state, job.resumed_from) == (JobState.DONE, 120_000)
    assert (wan.root / "ckpts" / "main_bf16.safetensors").read_bytes() == model["main_bf16.safetensors"]


def hf_cache_copy(cache: Path, repo: str, name: str, data: bytes) -> Path:
    """A file in the Hugging Face cache layout: a snapshot entry linking to its blob."""
    folder = cache / f"models--{repo.replace('/', '--')}"
    blob = folder / "blobs" / "0123abcd"
    blob.parent.mkdir(parents=True)
    blob.write_bytes(data)
    snapshot = folder / "snapshots" / ("b" * 40) / name
    snapshot.parent.mkdir(parents=True)
    snapshot.symlink_to(os.path.relpath(blob, snapshot.parent))
    (folder / "refs").mkdir()
    (folder / "refs" / "main").write_text("b" * 40)
    return snapshot


@pytest.mark.parametrize("how", ["sym", "copy"])
def test_a_copy_in_the_hugging_face_cache_is_reused_as_chosen(wan, model, hub, tmp_path, how):
    from wan2gp_model_tracker.downloads.reuse import default_sources

    hf_cache_copy(tmp_path / "hf-cache", "Other/Repo", "enc_bf16.safetensors", model["enc/enc_bf16.safetensors"])
    inventory = wan.scan()
    index = ReuseIndex(default_sources(inventory.settings.checkpoint_roots))

    plan = build_plan(inventory, ["demo"], only_files={"enc_bf16.safetensors"}, find_reuse=index.candidates,
                      link=how, metadata=remote_metadata)

    assert plan.files[0].reuse[0].source == "Hugging Face cache (Other/Repo)"
    run_queue(plan)
    target = wan.root / "ckpts" / "enc" / "enc_bf16.safetensors"
    assert target.read_bytes() == model["enc/enc_bf16.safetensors"]
    assert target.is_symlink() is (how == "sym")
    assert hub.gets[f"{REPO}/resolve/main/enc/enc_bf16.safetensors"] == 0


def test_a_copy_whose_checksum_differs_is_not_reused(wan, model, hub, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    wrong = bytearray(model["main_bf16.safetensors"])
    wrong[-1] ^= 0xFF
    (other / "main_bf16.safetensors").write_bytes(bytes(wrong))  # same name and size, different content
    index = ReuseIndex([Source(str(other), "mine")])

    queue = run_queue(build_plan(wan.scan(), ["demo"], only_files={"main_bf16.safetensors"},
                                 find_reuse=index.candidates, link="copy", metadata=remote_metadata))

    job = queue.snapshot().jobs[0]
    assert (job.state, job.error_kind) == (JobState.FAILED, "reuse")
    assert "sha256" in job.error
    assert not (wan.root / "ckpts" / "main_bf16.safetensors").exists()


def test_a_model_retried_after_a_failure_completes(wan, model, hub):
    path = f"{REPO}/resolve/main/main_bf16.safetensors"
    hub.files[path].status = 429  # not one huggingface_hub 0.36 retries for half a minute, as it does 5xx
    queue = DownloadQueue(options=FetchOptions(timeout=10))
    queue.submit(build_plan(wan.scan(), ["demo"]))
    assert queue.wait(WAIT) and queue.snapshot().completed_models == ()

    hub.files[path].status = 200
    queue.submit(build_plan(wan.scan(), ["demo"]))
    assert queue.wait(WAIT)

    assert queue.snapshot().completed_models == ("demo",)
    assert [j.state for j in queue.snapshot().jobs] == [JobState.DONE] * 3


def test_nested_search_folders_list_each_copy_once(wan, tmp_path):
    wan.weight("ckpts/shared.safetensors", 4096)
    index = ReuseIndex([Source(str(wan.root), "Wan2GP folder"), Source(str(wan.root / "ckpts"), "ckpts")])

    found = index.candidates("shared.safetensors", 4096, True, str(tmp_path / "elsewhere" / "shared.safetensors"))

    assert len(found) == 1 and found[0].size_confirmed


def test_a_file_another_program_wrote_is_checked_but_never_removed(wan, model, hub):
    target = wan.root / "ckpts" / "main_bf16.safetensors"
    other = another_writer_holds_the_lock(wan, "main_bf16.safetensors")
    queue = DownloadQueue(options=FetchOptions(timeout=10))
    queue.submit(build_plan(wan.scan(), ["demo"], only_files={"main_bf16.safetensors"}))
    try:
        assert not queue.wait(1.0)
        target.write_bytes(b"not what the Hub has")
    finally:
        other.release()

    assert queue.wait(WAIT)
    job = queue.snapshot().jobs[0]
    assert (job.state, job.error_kind) == (JobState.FAILED, "size")
    assert "left as it is" in job.error
    assert target.read_bytes() == b"not what the Hub has"


def test_clearing_finished_jobs_keeps_the_active_ones(wan, model, hub):
    queue = run_queue(build_plan(wan.scan(), ["demo"], only_files={"main_bf16.safetensors"}))
    hub.add(f"{REPO}/resolve/main/enc/enc_bf16.safetensors", weights(3_000_000), chunk_delay=0.05)
    queue.submit(build_plan(wan.scan(), ["demo"], only_files={"enc_bf16.safetensors"}))

    queue.clear_finished()

    assert [j.filename for j in queue.snapshot().jobs] == ["enc_bf16.safetensors"]
    queue.cancel_all()
    assert queue.wait(WAIT)
