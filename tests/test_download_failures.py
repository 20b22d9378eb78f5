"""Every failed download names the file and its cause in words, on whichever huggingface_hub is installed.

Also: the files huggingface_hub and Wan2GP use for a download in ``local_dir`` (lock, partial file,
metadata) are the ones the tracker uses, so neither writes over the other and each continues the other's
partial file.
"""

from __future__ import annotations

import threading
from pathlib import Path

import huggingface_hub
import pytest
from fake_hub import FakeHub, dead_endpoint
from packaging.version import Version
from test_downloads import weights

from wan2gp_model_tracker.downloads import failures
from wan2gp_model_tracker.downloads.fetch import FetchError, FetchOptions, fetch_file
from wan2gp_model_tracker.downloads.plan import PlannedFile
from wan2gp_model_tracker.hub.local_dir import hub_place
from wan2gp_model_tracker.hub.urls import HubFile

REPO = "Org/Weights"
NAME = "main_bf16.safetensors"
KEY = f"{REPO}/resolve/main/{NAME}"
# huggingface_hub continues its own partial file up to 1.17; from 1.18 it writes a per-process one.
HF_RESUMES = Version(huggingface_hub.__version__) < Version("1.18")


def hub_item(folder: Path, path_in_repo: str = NAME, target: Path | None = None) -> PlannedFile:
    name = path_in_repo.rsplit("/", 1)[-1]
    return PlannedFile(name, f"https://huggingface.co/{REPO}/resolve/main/{path_in_repo}",
                       str(target or folder / name), None, True, ("demo",),
                       hub=HubFile(REPO, "main", path_in_repo))


def url_item(folder: Path, url: str) -> PlannedFile:
    return PlannedFile("plain.safetensors", url, str(folder / "plain.safetensors"), None, True, ("demo",))


def fetch(item: PlannedFile) -> str:
    return fetch_file(item, lambda done, total: None, threading.Event(), FetchOptions(timeout=5))


def failure(item: PlannedFile) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(item)
    return caught.value


@pytest.mark.parametrize(("status", "code", "kind", "words"), [
    (404, "EntryNotFound", "not_found", "HTTP 404"),
    (401, "GatedRepo", "gated", "accept its licence at {hub}/Org/Weights"),
    (403, "GatedRepo", "gated", "accept its licence at {hub}/Org/Weights"),
    (401, "RepoNotFound", "auth", "needs a login"),
    (429, "", "http", "HTTP 429"),
])
def test_a_refused_hub_file_names_the_file_and_the_cause(tmp_path, hub, status, code, kind, words):
    hub.add(KEY, b"", status=status, error_code=code)

    error = failure(hub_item(tmp_path))

    assert error.kind == kind
    assert str(error).startswith(f"{NAME}: ") and words.format(hub=hub.url) in str(error)
    assert not (tmp_path / NAME).exists()


@pytest.mark.parametrize(("status", "kind", "words"), [(404, "not_found", "HTTP 404"), (403, "auth", "HTTP 403"),
                                                       (401, "auth", "a login"), (500, "http", "try again later")])
def test_a_refused_plain_url_names_the_file_and_the_cause(tmp_path, hub, status, kind, words):
    hub.add("files/plain.safetensors", b"x", status=status)

    error = failure(url_item(tmp_path, f"{hub.url}/files/plain.safetensors"))

    assert (error.kind, str(error).startswith("plain.safetensors: ")) == (kind, True)
    assert words in str(error)


def test_an_unreachable_server_is_a_network_failure_of_that_file(tmp_path):
    error = failure(url_item(tmp_path, f"{dead_endpoint()}/files/plain.safetensors"))

    assert error.kind == "network"
    assert str(error).startswith("plain.safetensors: cannot reach http://127.0.0.1:")


class TransportError(Exception):
    """Named like httpx's (and httpx2's) base class of connection failures, which are not OSErrors."""


class ReadTimeout(TransportError):
    pass


def wrapped(cause: BaseException) -> Exception:
    """An httpx-style error raised from the socket's OSError."""
    try:
        try:
            raise cause
        except BaseException as exc:
            raise RuntimeError("ConnectError: [Errno 111] Connection refused") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(("exc", "kind"), [
    (wrapped(ConnectionRefusedError(111, "Connection refused")), "network"),
    (ReadTimeout("timed out"), "network"),
    (TimeoutError("timed out"), "network"),
    (ValueError("a library changed"), "error"),
])
def test_network_failures_are_told_from_library_surprises(exc, kind):
    error = failures.hub_failure(exc, NAME, REPO, NAME, "main", "http://hub.test")

    assert error.kind == kind and str(error).startswith(f"{NAME}: ")


def test_a_checksum_mismatch_is_named_and_the_bytes_removed(tmp_path, hub):
    hub.add(KEY, weights(50_000), sha256="0" * 64)

    error = failure(hub_item(tmp_path))

    assert error.kind == "checksum"
    assert str(error).startswith(f"{NAME}: ") and "checksum mismatch" in str(error)
    assert not list(tmp_path.rglob("*.incomplete")) and not (tmp_path / NAME).exists()


def test_without_the_newer_error_classes_a_404_is_still_a_404(tmp_path, hub, monkeypatch):
    """huggingface_hub 0.36 has no RemoteEntryNotFoundError: whatever the release, the status decides."""
    monkeypatch.setattr(failures, "_hub_error_class", lambda name: None)
    hub.add(KEY, b"", status=404, error_code="EntryNotFound")
    hub.add(f"{REPO}/resolve/main/gated.safetensors", b"", status=403, error_code="GatedRepo")

    assert failure(hub_item(tmp_path)).kind == "not_found"
    gated = failure(hub_item(tmp_path, "gated.safetensors"))
    assert gated.kind == "gated" and f"{hub.url}/{REPO}" in str(gated)


def test_a_library_error_never_reaches_the_user_as_it_is(tmp_path, hub, monkeypatch):
    def changed_signature(*args, **kwargs):
        raise TypeError("get_hf_file_metadata() got an unexpected keyword argument 'endpoint'")

    monkeypatch.setattr(huggingface_hub, "get_hf_file_metadata", changed_signature)

    error = failure(hub_item(tmp_path))

    assert str(error).startswith(f"{NAME}: the download stopped on an unexpected error (TypeError")


def test_a_huggingface_hub_without_its_local_folder_helpers_still_downloads(tmp_path, hub, monkeypatch):
    import sys

    data = weights(40_000)
    hub.add(KEY, data)
    expected = hub_place(str(tmp_path / NAME), NAME).incomplete_path("e" * 64)
    monkeypatch.setitem(sys.modules, "huggingface_hub._local_folder", None)  # every import of it fails

    assert hub_place(str(tmp_path / NAME), NAME).incomplete_path("e" * 64) == expected
    assert Path(fetch(hub_item(tmp_path))).read_bytes() == data


@pytest.mark.parametrize(("path_in_repo", "target", "local_dir", "name"), [
    (NAME, NAME, ".", NAME),  # Wan2GP's download_file: local_dir is the target's folder
    ("pose/dw.onnx", "pose/dw.onnx", ".", "pose/dw.onnx"),  # process_files_def: subfolder kept under the root
    ("sub/extra.safetensors", "extra_folder/extra.safetensors", "extra_folder", "extra.safetensors"),  # |folder
])
def test_the_lock_and_partial_file_are_huggingface_hubs_own(tmp_path, path_in_repo, target, local_dir, name):
    from huggingface_hub._local_folder import get_local_download_paths

    place = hub_place(str(tmp_path / target), path_in_repo)
    theirs = get_local_download_paths(tmp_path / local_dir, name)

    assert Path(place.lock_path) == theirs.lock_path
    assert Path(place.incomplete_path("a" * 64)) == theirs.incomplete_path("a" * 64)


def partial_from_an_earlier_run(folder: Path, data: bytes, size: int) -> Path:
    """What an interrupted download of ``NAME`` into ``folder`` leaves, by huggingface_hub's own naming."""
    import hashlib

    from huggingface_hub._local_folder import get_local_download_paths

    partial = get_local_download_paths(folder, NAME).incomplete_path(hashlib.sha256(data).hexdigest())
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(data[:size])
    return partial


def test_the_tracker_continues_a_partial_file_huggingface_hub_left(tmp_path, hub: FakeHub):
    data = weights(300_000)
    hub.add(KEY, data)
    partial_from_an_earlier_run(tmp_path, data, 123_456)

    assert Path(fetch(hub_item(tmp_path))).read_bytes() == data
    assert hub.ranges == [(KEY, 123_456)]


def test_wan2gps_own_download_continues_the_trackers_partial_file_where_its_release_can(tmp_path, hub: FakeHub):
    from huggingface_hub import hf_hub_download

    data = weights(300_000)
    hub.add(KEY, data)
    partial_from_an_earlier_run(tmp_path, data, 100_000)

    path = hf_hub_download(REPO, NAME, local_dir=str(tmp_path), endpoint=hub.url)

    assert Path(path).read_bytes() == data
    assert hub.ranges == ([(KEY, 100_000)] if HF_RESUMES else [])


def test_a_plain_url_the_server_changed_is_restarted_not_spliced(tmp_path, hub):
    data = weights(200_000)
    hub.add("files/plain.safetensors", data)
    (tmp_path / "plain.safetensors.part").write_bytes(b"x" * 250_000)  # longer than the file: not its start
    item = PlannedFile("plain.safetensors", f"{hub.url}/files/plain.safetensors", str(tmp_path / "plain.safetensors"),
                       len(data), False, ("demo",))

    assert Path(fetch(item)).read_bytes() == data
    assert hub.ranges == []


def test_a_server_that_ignores_ranges_sends_the_whole_file_which_is_still_checked(tmp_path, hub):
    data = weights(200_000)
    hub.add(KEY, data, honours_ranges=False)
    partial_from_an_earlier_run(tmp_path, data, 80_000)
    resumed: list[int] = []

    path = fetch_file(hub_item(tmp_path), lambda done, total: None, threading.Event(), FetchOptions(timeout=5),
                      on_resume=resumed.append)

    assert Path(path).read_bytes() == data  # the sha256 check passed on the bytes of this run alone
    assert resumed == [] and hub.bytes_sent[KEY] == len(data)
