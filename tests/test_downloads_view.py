"""The Downloads panel's content as plain functions: model choices, the plan, progress, rescans."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_downloads import HF, REPO, WAIT, weights

from wan2gp_model_tracker.downloads.fetch import FetchOptions
from wan2gp_model_tracker.downloads.plan import RemoteFile, build_plan
from wan2gp_model_tracker.downloads.queue import DownloadQueue, JobState, JobView, QueueSnapshot
from wan2gp_model_tracker.records import ModelStatus
from wan2gp_model_tracker.ui.downloads_view import (
    RescanOnCompletion,
    downloadable_choices,
    failed_choices,
    file_choices,
    make_panel_plan,
    parse_folders,
    plan_markdown,
    progress_markdown,
)
from wan2gp_model_tracker.ui.view import TrackerController


@pytest.fixture
def folder(wan, hub):
    hub.add(f"{REPO}/resolve/main/a_bf16.safetensors", weights(40_000))
    wan.config(checkpoints_paths=["ckpts", "."], transformer_quantization="bf16")
    wan.default("a", URLs=[f"{HF}/a_bf16.safetensors"])
    wan.weight("ckpts/b_bf16.safetensors")
    wan.default("b", URLs=[f"{HF}/b_bf16.safetensors"])
    wan.default("broken<b>", URLs=[f"{HF}/x|../escape"])
    return wan


def test_only_models_with_something_to_fetch_are_offered(folder):
    choices = downloadable_choices(folder.scan())

    assert [value for _, value in choices] == ["a"]
    assert "⬛ missing" in choices[0][0]


def test_the_plan_shows_exact_sizes_from_the_server_and_reuse_offers(folder, tmp_path):
    other = tmp_path / "ComfyUI" / "models"
    other.mkdir(parents=True)
    (other / "a_bf16.safetensors").write_bytes(b"\0" * 40_000)

    text = plan_markdown(make_panel_plan(folder.scan(), ["a"], [str(other)], "none"))

    assert "a\\_bf16.safetensors" in text
    assert "~" not in text  # the size came from the server: no estimate mark
    assert "a copy exists" in text and "choose a link or copy" in text


def test_a_plan_that_does_not_fit_says_it_is_refused(folder):
    plan = build_plan(folder.scan(), ["a"], probe=lambda _: 0,
                      metadata=lambda files: {f.target: RemoteFile(1000) for f in files})

    assert "**Refused:** not enough free space" in plan_markdown(plan)


def test_progress_shows_bytes_rate_eta_and_state_escaped():
    job = JobView(1, "evil|<name>.safetensors", "/t", ("m",), "download", JobState.DOWNLOADING, 500_000_000,
                  1_000_000_000, 50e6)
    text = progress_markdown(QueueSnapshot((job,), ()))

    assert "evil\\|\\<name\\>.safetensors" in text
    assert "0.5 GB / 1.0 GB (50%)" in text and "50.0 MB/s" in text and "10 s" in text
    assert text.startswith("**Total:**")


def test_a_resumed_file_says_where_it_resumed():
    job = JobView(1, "big.safetensors", "/t", ("m",), "download", JobState.DOWNLOADING, 3_000_000_000,
                  4_000_000_000, 50e6, resumed_from=2_500_000_000)
    fresh = JobView(2, "new.safetensors", "/u", ("m",), "download", JobState.DOWNLOADING, 0, 1_000, 0.0)

    text = progress_markdown(QueueSnapshot((job, fresh), ()))

    assert "downloading · resumed at 2.5 GB" in text
    assert text.count("resumed at") == 1


def test_folders_are_one_per_line():
    assert parse_folders(" /a \n\n~/b\n") == ("/a", str(Path.home() / "b"))


def test_a_completed_model_rescans_the_tab(folder, hub):
    controller = TrackerController(folder.catalog())
    assert controller.data.inventory.get("a").status is ModelStatus.MISSING
    queue = DownloadQueue(options=FetchOptions(timeout=10))
    queue.add_model_listener(RescanOnCompletion(controller))
    queue.add_model_listener(RescanOnCompletion(controller))  # the same listener once, whatever the reloads

    queue.submit(make_panel_plan(controller.data.inventory, ["a"], [], "none"))
    assert queue.wait(WAIT)

    assert controller.data.inventory.get("a").status is ModelStatus.DOWNLOADED
    assert len(queue._listeners) == 1



def test_chosen_files_limit_the_plan(folder, hub):
    folder.default("c", URLs=[f"{HF}/a_bf16.safetensors"], preload_URLs=[f"{HF}/c_extra.safetensors"])
    inventory = folder.scan()

    assert [name for _, name in file_choices(inventory, ["a", "c"])] == ["a_bf16.safetensors", "c_extra.safetensors"]
    plan = make_panel_plan(inventory, ["c"], [], "none", only_files=["c_extra.safetensors"])

    assert [f.filename for f in plan.files] == ["c_extra.safetensors"]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_folder_lists_never_hold_blank_entries(text):
    folders = parse_folders(text)
    assert all(f and f == f.strip() for f in folders)
    assert len(folders) <= len(text.splitlines())


# --- retry ---------------------------------------------------------------------------------

def test_a_failed_file_is_retried_and_completes_its_model(folder, hub):
    path = f"{REPO}/resolve/main/a_bf16.safetensors"
    hub.files[path].status = 503
    queue = DownloadQueue(options=FetchOptions(timeout=10))
    queue.submit(make_panel_plan(folder.scan(), ["a"], [], "none"))
    assert queue.wait(WAIT)
    failed = queue.snapshot().jobs[0]
    assert failed.state is JobState.FAILED and failed_choices(queue.snapshot()) == [
        ("a_bf16.safetensors (failed)", failed.job_id)]

    hub.files[path].status = 200
    assert queue.retry(failed.job_id)
    assert queue.wait(WAIT)

    [job] = queue.snapshot().jobs
    assert (job.job_id, job.state, job.error) == (failed.job_id, JobState.DONE, "")
    assert queue.snapshot().completed_models == ("a",)
    assert (folder.root / "ckpts" / "a_bf16.safetensors").stat().st_size == 40_000


def test_only_a_failed_file_can_be_retried(folder, hub):
    queue = DownloadQueue(options=FetchOptions(timeout=10))
    [job_id] = queue.submit(make_panel_plan(folder.scan(), ["a"], [], "none"))
    assert queue.wait(WAIT)

    assert queue.snapshot().jobs[0].state is JobState.DONE
    assert not queue.retry(job_id)
    assert not queue.retry(job_id + 100)
    assert failed_choices(queue.snapshot()) == []


def test_the_model_picker_shows_unknown_sizes_as_a_question_mark(folder):
    folder.default("unknown", URLs=["https://example.invalid/no_size_known.safetensors"])
    labels = dict((value, label) for label, value in downloadable_choices(folder.scan()))

    assert labels["unknown"].endswith("· ? (1 file)")
    assert "0.0 GB" not in " ".join(labels.values())
