"""Fetching one planned file, resumable, checked, and under the lock Wan2GP's own download of it takes.

Hub files: Wan2GP downloads with ``hf_hub_download(local_dir=...)``, which holds
``<local_dir>/.cache/huggingface/download/<file>.lock`` while it writes. The tracker takes that same lock,
streams into the partial file huggingface_hub names ``<hash>.<etag>.incomplete`` beside it, and writes
the same metadata file once the size and sha256 match the Hub's, so that Wan2GP and the tracker never
write one file together. The transfer is the tracker's own
(``transfer.fetch_into``) rather than ``hf_hub_download``, so that one code path resumes and can be stopped
on every release: 0.36 (Wan2GP's) resumes its ``.incomplete`` file but takes no progress callback, so its
transfer cannot be cancelled; from 1.18, and in all of 2.x, it writes a per-process temporary file that is
deleted on failure (orphaned after SIGKILL) and never resumed. (1.5 to 1.17 do both; checked on 1.0, 1.5,
1.10, 1.15, 1.17, 1.18, 1.20, 1.33, 2.0 and 2.4.) The releases that resume continue the tracker's partial
file, and the tracker theirs, because it is the same file under the same lock.

Other URLs stream into ``<target>.part`` under the lock a Hub download of that name would take. In both
cases the finished file is renamed into place: there is never a partial file under the final name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..hub.local_dir import HubPlace, hub_place
from ..hub.urls import DEFAULT_ENDPOINT
from .failures import Cancelled, FetchError, disk_full, http_failure, hub_failure, hub_http_failure, unexpected
from .plan import PlannedFile, RemoteFile
from .reuse import sha256_of
from .transfer import ProgressSink, fetch_into

__all__ = ["Cancelled", "FetchError", "FetchOptions", "fetch_file", "remote_metadata"]

SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class FetchOptions:
    endpoint: str | None = None
    timeout: float = 30.0
    # How long to wait for another writer (Wan2GP itself) holding the file's lock.
    lock_wait_seconds: float = 6 * 3600


def endpoint_from_env() -> str:
    return os.environ.get("HF_ENDPOINT", "").rstrip("/") or DEFAULT_ENDPOINT


def fetch_file(item: PlannedFile, progress: ProgressSink, cancel: threading.Event,
               options: FetchOptions = FetchOptions(), on_verify: Callable[[], None] = lambda: None,
               on_resume: Callable[[int], None] = lambda offset: None) -> str:
    """Bring ``item`` to ``item.target``; returns the path or raises FetchError (always naming the file)."""
    try:
        if item.hub is not None:
            return _fetch_hub(item, progress, cancel, options, on_verify, on_resume)
        return _fetch_url(item, progress, cancel, options, on_verify, on_resume)
    except FetchError:
        raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise disk_full(item.filename, item.target) from exc
        raise FetchError("error", f"{item.filename}: cannot write {exc.filename or item.target} "
                                  f"({exc.strerror or exc})") from exc
    except Exception as exc:  # a library's surprise must still read as a failed download of this file
        raise unexpected(item.filename, exc) from exc


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
        meta = _hub_metadata(item, (options.endpoint or endpoint_from_env()).rstrip("/"), timeout)
        return RemoteFile(meta.size, _sha256(meta.etag))
    request = urllib.request.Request(item.url, method="HEAD")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        return RemoteFile(int(length) if length and length.isdigit() else None)


def _sha256(etag: str | None) -> str | None:
    return etag if etag and SHA256.match(etag) else None


# --- Hugging Face Hub -------------------------------------------------------------------------------------

def _hub_metadata(item: PlannedFile, endpoint: str, timeout: float):
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    hub = item.hub
    assert hub is not None
    try:
        return get_hf_file_metadata(hf_hub_url(hub.repo_id, hub.path_in_repo, revision=hub.revision,
                                               endpoint=endpoint), timeout=timeout, endpoint=endpoint)
    except Exception as exc:
        raise hub_failure(exc, item.filename, hub.repo_id, hub.path_in_repo, hub.revision, endpoint) from exc


def _hub_headers(endpoint: str, location: str) -> dict[str, str]:
    """huggingface_hub's headers (user agent, the user's token); the token only goes to the Hub's own host."""
    from huggingface_hub.utils import build_hf_headers

    headers = dict(build_hf_headers())
    if urlsplit(location).netloc != urlsplit(endpoint).netloc:
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    return headers


def _fetch_hub(item: PlannedFile, progress: ProgressSink, cancel: threading.Event, options: FetchOptions,
               on_verify: Callable[[], None], on_resume: Callable[[int], None]) -> str:
    hub = item.hub
    assert hub is not None
    endpoint = (options.endpoint or endpoint_from_env()).rstrip("/")
    meta = _hub_metadata(item, endpoint, options.timeout)
    sha = item.sha256 or _sha256(meta.etag)
    place = hub_place(item.target, hub.path_in_repo)
    with _locked(place.lock_path, item, cancel, options):
        if os.path.isfile(item.target):  # another writer finished it meanwhile: check it, but it is not ours
            _check_finished(item, item.target, meta.size, sha, on_verify, ours=False)
        else:
            partial = place.incomplete_path(meta.etag or "unknown")
            os.makedirs(os.path.dirname(partial), exist_ok=True)
            try:
                fetched = fetch_into(meta.location, partial, filename=item.filename,
                                     headers=_hub_headers(endpoint, meta.location), timeout=options.timeout,
                                     progress=progress, cancel=cancel, expected_size=meta.size, on_resume=on_resume,
                                     sha256=sha is not None)
            except urllib.error.HTTPError as exc:
                raise hub_http_failure(item.filename, hub.repo_id, endpoint, exc.code, exc.headers or {}) from exc
            _check_finished(item, partial, meta.size, sha, on_verify, ours=True, digest=fetched.sha256)
            os.replace(partial, item.target)
    # huggingface_hub takes the lock itself to write its record, as hf_hub_download does after its download.
    place.write_metadata(meta.commit_hash, meta.etag)
    return item.target


# --- Any other URL ----------------------------------------------------------------------------------------

def _fetch_url(item: PlannedFile, progress: ProgressSink, cancel: threading.Event, options: FetchOptions,
               on_verify: Callable[[], None], on_resume: Callable[[int], None]) -> str:
    partial = item.target + ".part"
    os.makedirs(os.path.dirname(item.target), exist_ok=True)
    # The same lock a Hub download of this file name into this folder would take.
    with _locked(HubPlace(os.path.dirname(item.target), os.path.basename(item.target)).lock_path, item, cancel,
                 options):
        if os.path.isfile(item.target):  # another writer finished it while we waited
            return item.target
        expected = item.size_bytes if not item.size_is_estimate else None
        try:
            fetched = fetch_into(item.url, partial, filename=item.filename, headers={}, timeout=options.timeout,
                                 progress=progress, cancel=cancel, expected_size=expected, on_resume=on_resume,
                                 sha256=item.sha256 is not None)
        except urllib.error.HTTPError as exc:
            raise http_failure(item.filename, item.url, exc.code) from exc
        _check_finished(item, partial, fetched.size if fetched.size is not None else expected, item.sha256,
                        on_verify, ours=True, digest=fetched.sha256)
        os.replace(partial, item.target)
    return item.target


# --- Shared -----------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _locked(lock_path: str, item: PlannedFile, cancel: threading.Event, options: FetchOptions):
    """Hold the file's lock, waiting while another writer (Wan2GP itself) holds it."""
    from filelock import FileLock, Timeout

    os.makedirs(os.path.dirname(lock_path), exist_ok=True)
    deadline = time.monotonic() + options.lock_wait_seconds
    lock = FileLock(lock_path)
    while True:
        try:
            lock.acquire(timeout=1)
            break
        except Timeout:
            if cancel.is_set():
                raise Cancelled() from None
            if time.monotonic() > deadline:
                raise FetchError("busy", f"{item.filename}: another program is still downloading it "
                                         f"(it holds {lock_path})") from None
    try:
        yield
    finally:
        lock.release()


def _check_finished(item: PlannedFile, path: str, size: int | None, sha: str | None,
                    on_verify: Callable[[], None], ours: bool, digest: str | None = None) -> None:
    """Size, then sha256 (``digest``: already computed during the transfer); a wrong file we wrote is removed,
    one another program wrote is left as it is."""
    on_verify()
    actual = os.path.getsize(path)
    if size is not None and actual != size:
        kind, reason = "size", f"{actual:,} bytes on disk, {size:,} expected"
    elif sha and (digest or sha256_of(path)) != sha:
        kind, reason = "checksum", "its sha256 does not match the server's (checksum mismatch)"
    else:
        return
    if not ours:
        raise FetchError(kind, f"{item.filename}: {path} was written by another program and differs from the "
                               f"Hub's file ({reason}); it was left as it is")
    with contextlib.suppress(OSError):
        os.unlink(path)
    raise FetchError(kind, f"{item.filename}: {reason}; the download was removed: run it again to start over")

