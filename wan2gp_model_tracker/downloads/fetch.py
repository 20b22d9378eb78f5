"""Fetching one planned file: Hub files the way Wan2GP fetches them, other URLs with HTTP Range resume.

Hub files go through ``huggingface_hub.hf_hub_download(local_dir=<target folder>)`` as in
Wan2GP's ``download_file``, so the partial file, the lock (``.cache/huggingface/download/<name>.lock``)
and the metadata are the ones a Wan2GP download of the same file uses. Files in a Hub sub-folder
are staged in a ``_temp_model_tracker_*`` folder next to the target and moved in once verified.
Other URLs stream into ``<target>.part`` (resumed with a Range request) and are renamed when
complete. Whatever fails, no partial or unverified file is left under the final name.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import http.client
import os
import re
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..hub.urls import DEFAULT_ENDPOINT
from .plan import PlannedFile, RemoteFile
from .reuse import sha256_of

ProgressSink = Callable[[int, "int | None"], None]
SHA256 = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024
# Attempts to resume a plain download after the connection drops; each attempt must bring new bytes.
RESUME_ATTEMPTS = 5
HUB_STAGING_PREFIX = "_temp_model_tracker_"


class FetchError(Exception):
    """One file could not be fetched; ``kind`` says why (for exit codes and the queue's state)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Cancelled(FetchError):
    def __init__(self) -> None:
        super().__init__("cancelled", "cancelled")


@dataclass(frozen=True, slots=True)
class FetchOptions:
    endpoint: str | None = None
    timeout: float = 30.0
    # How long to wait for another writer (Wan2GP itself) holding the file's lock.
    lock_wait_seconds: float = 6 * 3600


def endpoint_from_env() -> str:
    return os.environ.get("HF_ENDPOINT", "").rstrip("/") or DEFAULT_ENDPOINT


def fetch_file(item: PlannedFile, progress: ProgressSink, cancel: threading.Event,
               options: FetchOptions = FetchOptions(), on_verify: Callable[[], None] = lambda: None) -> str:
    """Bring ``item`` to ``item.target``; returns the path or raises FetchError."""
    try:
        if item.hub is not None:
            return _fetch_hub(item, progress, cancel, options, on_verify)
        return _fetch_url(item, progress, cancel, options, on_verify)
    except FetchError:
        raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise FetchError("disk_full", f"the disk is full while writing {item.target}") from exc
        raise FetchError("error", f"{type(exc).__name__}: {exc}") from exc


def remote_metadata(files: Sequence[PlannedFile], options: FetchOptions = FetchOptions(),
                    timeout: float = 5.0) -> dict[str, RemoteFile]:
    """Exact sizes (and the Hub's sha256) by target, asked in parallel; files that do not answer are left out."""
    from concurrent.futures import ThreadPoolExecutor

    def one(item: PlannedFile) -> RemoteFile | None:
        try:
            return _remote_file(item, options, timeout)
        except Exception:  # no answer only means the plan keeps its estimate
            return None

    with ThreadPoolExecutor(max_workers=min(8, len(files) or 1)) as pool:
        answers = list(pool.map(one, files))
    return {f.target: answer for f, answer in zip(files, answers, strict=True) if answer is not None}


def _remote_file(item: PlannedFile, options: FetchOptions, timeout: float) -> RemoteFile:
    if item.hub is not None:
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        endpoint = (options.endpoint or endpoint_from_env()).rstrip("/")
        hub = item.hub
        meta = get_hf_file_metadata(hf_hub_url(hub.repo_id, hub.path_in_repo, revision=hub.revision,
                                               endpoint=endpoint), timeout=timeout, endpoint=endpoint)
        return RemoteFile(meta.size, meta.etag if meta.etag and SHA256.match(meta.etag) else None)
    request = urllib.request.Request(item.url, method="HEAD")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        return RemoteFile(int(length) if length and length.isdigit() else None)


# --- Hugging Face Hub -------------------------------------------------------------------------------------

def _progress_class(progress: ProgressSink, cancel: threading.Event) -> type:
    """A tqdm stand-in for hf_hub_download: reports bytes and stops the transfer on cancel."""

    class _Bar:
        def __init__(self, total: int | None = None, initial: int = 0, **_: object) -> None:
            self.total, self.n = total, initial
            progress(self.n, self.total)

        def update(self, n: int = 1) -> None:
            if cancel.is_set():
                raise Cancelled()
            self.n += n
            progress(self.n, self.total)

        def close(self) -> None:
            pass

        def __enter__(self) -> _Bar:
            return self

        def __exit__(self, *exc: object) -> None:
            self.close()

    return _Bar


def _hub_error(item: PlannedFile, exc: Exception, endpoint: str) -> FetchError:
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    assert item.hub is not None
    repo = item.hub.repo_id
    if isinstance(exc, GatedRepoError):
        return FetchError("gated", f"{repo} is gated: accept its licence at {endpoint}/{repo} while logged in, "
                                   "then log in here with `hf auth login`")
    if isinstance(exc, RepositoryNotFoundError):
        return FetchError("auth", f"{repo} was not found or needs a login (HTTP 401): check {endpoint}/{repo}")
    if isinstance(exc, (RemoteEntryNotFoundError, RevisionNotFoundError)):
        return FetchError("not_found", f"{item.hub.path_in_repo} is not in {repo} at {item.hub.revision} "
                                       "(HTTP 404)")
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        kind = "auth" if status in (401, 403) else "not_found" if status == 404 else "http"
        return FetchError(kind, f"the Hub answered HTTP {status} for {item.filename}")
    if isinstance(exc, LocalEntryNotFoundError):
        return FetchError("network", f"cannot reach {endpoint} (offline, or HF_HUB_OFFLINE is set)")
    return FetchError("network", f"cannot reach {endpoint}: {type(exc).__name__}: {exc}")


def _lock_path(folder: str, name: str) -> str:
    return os.path.join(folder, ".cache", "huggingface", "download", f"{name}.lock")


def _acquire(lock_path: str, cancel: threading.Event, options: FetchOptions):
    """The file's lock, waited for while another writer (Wan2GP itself) holds it; returns it acquired."""
    from filelock import FileLock, Timeout

    os.makedirs(os.path.dirname(lock_path), exist_ok=True)
    deadline = time.monotonic() + options.lock_wait_seconds
    lock = FileLock(lock_path)
    while True:
        try:
            lock.acquire(timeout=1)
            return lock
        except Timeout:
            if cancel.is_set():
                raise Cancelled() from None
            if time.monotonic() > deadline:
                raise FetchError("busy", f"another program is still downloading {lock_path[:-5]}") from None


def _fetch_hub(item: PlannedFile, progress: ProgressSink, cancel: threading.Event, options: FetchOptions,
               on_verify: Callable[[], None]) -> str:
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.utils import WeakFileLock

    hub = item.hub
    assert hub is not None
    endpoint = (options.endpoint or endpoint_from_env()).rstrip("/")
    folder = os.path.dirname(item.target)
    name = os.path.basename(item.target)
    subfolder, _, repo_name = hub.path_in_repo.rpartition("/")
    try:
        meta = get_hf_file_metadata(hf_hub_url(hub.repo_id, hub.path_in_repo, revision=hub.revision,
                                               endpoint=endpoint), timeout=options.timeout, endpoint=endpoint)
    except Exception as exc:
        raise _hub_error(item, exc, endpoint) from exc
    sha = item.sha256 or (meta.etag if meta.etag and SHA256.match(meta.etag) else None)
    os.makedirs(folder, exist_ok=True)
    lock_path = _lock_path(folder, name)
    # Only wait for another writer here: hf_hub_download takes the same lock itself.
    _acquire(lock_path, cancel, options).release()
    if os.path.isfile(item.target):  # the other writer finished it meanwhile: check it, but it is not ours to remove
        _verify(item.target, meta.size, sha, lock_path, on_verify, remove=False)
        return item.target
    staging = None if not subfolder and repo_name == name else \
        os.path.join(folder, HUB_STAGING_PREFIX + hashlib.sha1(item.target.encode()).hexdigest()[:10])
    try:
        downloaded = hf_hub_download(hub.repo_id, repo_name, subfolder=subfolder or None, revision=hub.revision,
                                     local_dir=staging or folder, endpoint=endpoint, etag_timeout=options.timeout,
                                     tqdm_class=_progress_class(progress, cancel))
    except Cancelled:
        raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise FetchError("disk_full", f"the disk is full while writing {item.target}") from exc
        if "Consistency check failed" in str(exc):
            raise FetchError("size", f"{item.filename}: the transfer ended early ({exc})") from exc
        raise _hub_error(item, exc, endpoint) from exc
    except Exception as exc:
        raise _hub_error(item, exc, endpoint) from exc
    if staging is None:
        _verify(downloaded, meta.size, sha, lock_path, on_verify)
        return item.target
    try:
        _verify(downloaded, meta.size, sha, None, on_verify)
        with WeakFileLock(lock_path):
            os.replace(downloaded, item.target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return item.target


def _verify(path: str, size: int | None, sha: str | None, lock_path: str | None,
            on_verify: Callable[[], None], remove: bool = True) -> None:
    """Check size and sha256; a wrong file we wrote is removed (under the hub lock) and reported."""
    from huggingface_hub.utils import WeakFileLock

    on_verify()
    with WeakFileLock(lock_path) if lock_path else contextlib.nullcontext():
        actual = os.path.getsize(path)
        if size is not None and actual != size:
            kind, reason = "size", f"{actual:,} bytes on disk, {size:,} expected"
        elif sha and sha256_of(path) != sha:
            kind, reason = "checksum", "the sha256 does not match the Hub's"
        else:
            return
        if not remove:
            raise FetchError(kind, f"{path} was written by another program and differs from the Hub's file "
                                   f"({reason}); it was left as it is")
        _remove_with_metadata(path)
        raise FetchError(kind, f"{os.path.basename(path)}: {reason}; the file was removed")


def _remove_with_metadata(path: str) -> None:
    """Remove a bad download and the hub metadata that would vouch for it."""
    folder, name = os.path.split(path)
    for victim in (path, os.path.join(folder, ".cache", "huggingface", "download", f"{name}.metadata")):
        with contextlib.suppress(OSError):
            os.unlink(victim)


# --- Any other URL ----------------------------------------------------------------------------------------

def _fetch_url(item: PlannedFile, progress: ProgressSink, cancel: threading.Event, options: FetchOptions,
               on_verify: Callable[[], None]) -> str:
    folder = os.path.dirname(item.target)
    os.makedirs(folder, exist_ok=True)
    partial = item.target + ".part"
    # The same lock a Hub download of this file name into this folder would take.
    lock = _acquire(_lock_path(folder, os.path.basename(item.target)), cancel, options)
    try:
        if os.path.isfile(item.target):  # another writer finished it while we waited
            return item.target
        total = _stream_with_resume(item.url, partial, progress, cancel, options)
        on_verify()
        actual = os.path.getsize(partial)
        expected = total if total is not None else (item.size_bytes if not item.size_is_estimate else None)
        if expected is not None and actual != expected:
            raise FetchError("size", f"{item.filename}: {actual:,} bytes received, {expected:,} expected")
        if item.sha256 and sha256_of(partial) != item.sha256:
            os.unlink(partial)
            raise FetchError("checksum", f"{item.filename}: the sha256 does not match; the file was removed")
        os.replace(partial, item.target)
    except Cancelled:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    finally:
        lock.release()
    return item.target


def _stream_with_resume(url: str, partial: str, progress: ProgressSink, cancel: threading.Event,
                        options: FetchOptions) -> int | None:
    """Append the rest of ``url`` to ``partial``; returns the full size when the server said it."""
    attempts = RESUME_ATTEMPTS
    while True:
        have = os.path.getsize(partial) if os.path.exists(partial) else 0
        request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
        try:
            with urllib.request.urlopen(request, timeout=options.timeout) as response:
                if have and response.status != 206:
                    have = 0  # the server ignored the Range: start again
                total = _total_size(response, have)
                with open(partial, "ab" if have else "wb") as out:
                    written = have
                    progress(written, total)
                    while chunk := response.read(CHUNK):
                        if cancel.is_set():
                            raise Cancelled()
                        out.write(chunk)
                        written += len(chunk)
                        progress(written, total)
                if total is not None and written < total:
                    raise ConnectionError(f"connection closed after {written:,} of {total:,} bytes")
                return total
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have:  # asked past the end: the file is already complete
                return have
            kind = "auth" if exc.code in (401, 403) else "not_found" if exc.code == 404 else "http"
            raise FetchError(kind, f"HTTP {exc.code} from {url}") from exc
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as exc:
            now = os.path.getsize(partial) if os.path.exists(partial) else 0
            attempts = RESUME_ATTEMPTS if now > have else attempts - 1
            if attempts <= 0:
                reason = getattr(exc, "reason", exc)
                raise FetchError("network", f"cannot download {url}: {reason}") from exc
            time.sleep(0.2)


def _total_size(response, have: int) -> int | None:
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    return have + int(length) if length and length.isdigit() else None
