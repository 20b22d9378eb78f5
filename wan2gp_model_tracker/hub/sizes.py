"""Exact sizes of files on the Hugging Face Hub, fetched in the background and cached on disk.

A scan never waits for the network: ``HubSizes.known()`` answers from memory and the disk cache,
``request()`` queues what is unknown for one background worker, and the next scan picks the
answers up. The worker asks the Hub's ``paths-info`` API once per repository and revision (the
call behind ``HfApi.get_paths_info``, made through huggingface_hub's own session so that a
timeout can be set) and falls back to ``get_hf_file_metadata`` on resolve URLs when that API is
not offered. Every request has a short timeout, and after a network failure the endpoint rests
for a while, so a dead or slow Hub costs at most one timeout per pause.

The cache holds one JSON file per repository and revision (sizes, sha256 when known, and the
date each was checked) in the user's cache folder; damaged or hostile files are ignored with a
warning, and writes are atomic. ``HF_ENDPOINT``, ``HF_HUB_OFFLINE`` and the tracker's own
``WAN2GP_TRACKER_NO_NETWORK`` (or ``--no-network``) are honoured when each fetch starts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..fileio import write_json_atomic
from .urls import DEFAULT_ENDPOINT, HubFile

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
NO_NETWORK_ENV = "WAN2GP_TRACKER_NO_NETWORK"
CACHE_DIR_ENV = "WAN2GP_TRACKER_CACHE"
# Seconds per HTTP request, and the rest after the endpoint failed to answer at all.
REQUEST_TIMEOUT = 4.0
ENDPOINT_PAUSE = 300.0
# paths-info takes a list; the Hub answers large lists, but smaller batches keep each answer quick.
BATCH = 100
_MAX_CACHE_BYTES = 8_000_000
_MAX_TREE_PAGES = 20
_TRUE = {"1", "on", "yes", "true"}
# Public metadata only: no token is sent, and no telemetry of huggingface_hub's header builder is triggered.
_HEADERS = {"user-agent": f"wan2gp-model-tracker/{__version__}"}


@dataclass(frozen=True, slots=True)
class KnownSize:
    """A file's size as the Hub reported it, and when."""

    size: int
    checked_at: str
    sha256: str = ""

    @property
    def basis(self) -> str:
        return f"exact size from the Hugging Face Hub (checked {self.checked_at[:10]})"


def default_cache_dir() -> str:
    """The user's cache folder for the tracker (``WAN2GP_TRACKER_CACHE`` overrides it)."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return override
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "wan2gp-model-tracker")


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def network_allowed(setting: bool = True) -> bool:
    """Whether the tracker may ask the Hub now: the setting, HF_HUB_OFFLINE and WAN2GP_TRACKER_NO_NETWORK."""
    from huggingface_hub import constants

    if getattr(constants, "HF_HUB_OFFLINE", False):  # as huggingface_hub read it at import
        return False
    return setting and not _env_true("HF_HUB_OFFLINE") and not _env_true(NO_NETWORK_ENV)


def hub_endpoint(explicit: str | None = None) -> str:
    """The Hub to ask: an explicit endpoint, else HF_ENDPOINT as it is now (not as it was at import)."""
    return (explicit or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def _cache_name(repo_id: str, revision: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{repo_id}@{revision}")[:80]
    digest = hashlib.sha256(f"{repo_id}\0{revision}".encode()).hexdigest()[:12]
    return f"{readable}-{digest}.json"


class HubSizes:
    """Exact Hub sizes for missing files: answered from the cache now, fetched in the background for later."""

    def __init__(self, cache_dir: str | None = None, endpoint: str | None = None, network: bool = True,
                 timeout: float = REQUEST_TIMEOUT) -> None:
        self.cache_dir = os.path.join(cache_dir or default_cache_dir(), "hub-sizes")
        self.endpoint = endpoint
        self.network = network
        self.timeout = timeout
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        self._repos: dict[tuple[str, str], dict[str, KnownSize]] = {}
        self._absent: set[tuple[str, str, str]] = set()
        self._pending: dict[tuple[str, str], set[str]] = {}
        self._worker: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._paused_until = 0.0
        self.requests_made = 0
        # Grows whenever fetched sizes are stored: a scan that saw the same generation got the same answers.
        self.generation = 0

    @classmethod
    def default(cls) -> HubSizes:
        return cls(network=not _env_true(NO_NETWORK_ENV))

    # --- answers -----------------------------------------------------------------------------

    def known(self, hub_file: HubFile) -> KnownSize | None:
        key = (hub_file.repo_id, hub_file.revision)
        with self._lock:
            sizes = self._repos.get(key)
            if sizes is None:
                sizes = self._repos[key] = self._read_cache(*key)
            return sizes.get(hub_file.path_in_repo)

    def request(self, files: Iterable[HubFile]) -> bool:
        """Queue the unknown ones for the background worker; True when a fetch is under way. Never blocks."""
        wanted = [f for f in files if self.known(f) is None]
        if not wanted or not network_allowed(self.network) or time.monotonic() < self._paused_until:
            return False
        with self._lock:
            for f in wanted:
                if (f.repo_id, f.revision, f.path_in_repo) not in self._absent:
                    self._pending.setdefault((f.repo_id, f.revision), set()).add(f.path_in_repo)
            if not self._pending:
                return False
            if self._worker is None or not self._worker.is_alive():
                self._idle.clear()
                self._worker = threading.Thread(target=self._run, name="wan2gp-tracker-hub-sizes", daemon=True)
                self._worker.start()
        return True

    def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the background fetch; True when it has finished."""
        return self._idle.wait(max(0.0, timeout))

    # --- the background worker -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._pending or time.monotonic() < self._paused_until:
                        self._pending.clear()
                        return
                    (repo_id, revision), paths = self._pending.popitem()
                try:
                    self._fetch(repo_id, revision, sorted(paths))
                except Exception as exc:  # never let the worker die on an odd answer; the scan keeps estimates
                    self._warn(f"Hub sizes for {repo_id}@{revision} could not be read: {exc}")
        finally:
            self._idle.set()

    def _fetch(self, repo_id: str, revision: str, paths: list[str]) -> None:
        endpoint = hub_endpoint(self.endpoint)
        found: dict[str, KnownSize] = {}
        folders = [p for p in paths if p.endswith("/")]
        files = [p for p in paths if not p.endswith("/")]
        for folder in folders:
            try:
                size = self._folder_size(endpoint, repo_id, revision, folder)
            except _Unreachable as exc:
                self._pause(endpoint, exc)
                files = []
                break
            if size is not None:
                found[folder] = KnownSize(size, _now())
        for start in range(0, len(files), BATCH):
            batch = files[start:start + BATCH]
            try:
                found.update(self._paths_info(endpoint, repo_id, revision, batch))
            except _Unreachable as exc:
                self._pause(endpoint, exc)
                break
            except _NoPathsInfo:
                try:
                    found.update(self._file_metadata(endpoint, repo_id, revision, batch))
                except _Unreachable as exc:
                    self._pause(endpoint, exc)
                    break
        with self._lock:
            self._absent.update((repo_id, revision, p) for p in paths if p not in found)
            if not found:
                return
            sizes = self._repos.setdefault((repo_id, revision), {})
            sizes.update(found)
            self.generation += 1
            snapshot = dict(sizes)
        self._write_cache(repo_id, revision, snapshot)

    def _paths_info(self, endpoint: str, repo_id: str, revision: str, paths: list[str]) -> dict[str, KnownSize]:
        from huggingface_hub.utils import get_session, hf_raise_for_status

        url = f"{endpoint}/api/models/{repo_id}/paths-info/{quote(revision, safe='')}"
        self.requests_made += 1
        try:
            response = get_session().post(url, data={"paths": paths, "expand": False},
                                          headers=_HEADERS, timeout=self.timeout)
        except Exception as exc:  # connection refused, timeout, DNS: the Hub is not reachable now
            raise _Unreachable(exc) from exc
        if response.headers.get("X-Error-Code") in ("RepoNotFound", "RevisionNotFound"):
            return {}  # the Hub itself answered: nothing to find there, by any route
        if response.status_code in (404, 405, 501):
            raise _NoPathsInfo()
        hf_raise_for_status(response)
        now = _now()
        found = {}
        for item in response.json():
            if not isinstance(item, dict) or item.get("type") != "file":
                continue
            path, size = item.get("path"), item.get("size")
            lfs = item.get("lfs") if isinstance(item.get("lfs"), dict) else {}
            sha = lfs.get("oid") or lfs.get("sha256") or ""
            if isinstance(path, str) and path in paths and _valid_size(size):
                found[path] = KnownSize(int(size), now, sha if isinstance(sha, str) else "")
        return found

    def _folder_size(self, endpoint: str, repo_id: str, revision: str, folder: str) -> int | None:
        """The bytes of every file below a folder (the tree API, page by page); None if the Hub lacks it."""
        from huggingface_hub.utils import get_session

        url = f"{endpoint}/api/models/{repo_id}/tree/{quote(revision, safe='')}/{quote(folder.rstrip('/'))}"
        params: dict[str, Any] | None = {"recursive": "true", "expand": "false"}
        total = 0
        for _ in range(_MAX_TREE_PAGES):
            self.requests_made += 1
            try:
                response = get_session().get(url, params=params, headers=_HEADERS,
                                             timeout=self.timeout)
            except Exception as exc:
                raise _Unreachable(exc) from exc
            if response.status_code != 200:
                return None
            items = response.json()
            if not isinstance(items, list):
                return None
            total += sum(i["size"] for i in items
                         if isinstance(i, dict) and i.get("type") == "file" and _valid_size(i.get("size")))
            url = response.links.get("next", {}).get("url")
            if url is None:
                return total
            params = None  # the next link carries its own query
        return None  # too many pages to be a tool folder: leave it unknown

    def _file_metadata(self, endpoint: str, repo_id: str, revision: str, paths: list[str]) -> dict[str, KnownSize]:
        """One HEAD per file on its resolve URL (X-Linked-Size / Content-Length, X-Linked-Etag)."""
        from huggingface_hub import get_hf_file_metadata, hf_hub_url
        from huggingface_hub.utils import HfHubHTTPError

        found = {}
        for path in paths:
            url = hf_hub_url(repo_id, path, revision=revision, endpoint=endpoint)
            self.requests_made += 1
            try:
                meta = get_hf_file_metadata(url, token=False, timeout=self.timeout, endpoint=endpoint)
            except HfHubHTTPError:
                continue  # this file is not there; the others may be
            except Exception as exc:
                raise _Unreachable(exc) from exc
            if _valid_size(meta.size):
                etag = (meta.etag or "").strip('"')
                sha = etag if re.fullmatch(r"[0-9a-f]{64}", etag) else ""
                found[path] = KnownSize(int(meta.size), _now(), sha)
        return found

    def _pause(self, endpoint: str, exc: BaseException) -> None:
        self._paused_until = time.monotonic() + ENDPOINT_PAUSE
        self._warn(f"the Hugging Face Hub at {endpoint} did not answer ({exc.__cause__ or exc}); sizes stay "
                   "estimates for now")

    def _warn(self, message: str) -> None:
        log.info("Model Tracker: %s", message)
        with self._lock:
            if message not in self.warnings:
                self.warnings.append(message)

    # --- the cache on disk ---------------------------------------------------------------------------

    def _read_cache(self, repo_id: str, revision: str) -> dict[str, KnownSize]:
        """Sizes saved earlier for this repository and revision; a damaged file counts as empty."""
        path = os.path.join(self.cache_dir, _cache_name(repo_id, revision))
        try:
            if os.path.getsize(path) > _MAX_CACHE_BYTES:
                raise ValueError("too large")
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            return self._ignore(path, str(exc))
        files = data.get("files") if isinstance(data, dict) else None
        if (not isinstance(files, dict) or data.get("format") != CACHE_FORMAT or data.get("repo_id") != repo_id
                or data.get("revision") != revision):
            return self._ignore(path, f"not a cache of {repo_id}@{revision}")
        sizes = {}
        for name, item in files.items():
            if not (isinstance(name, str) and isinstance(item, dict) and _valid_size(item.get("size"))
                    and isinstance(item.get("checked_at"), str)):
                continue
            sha = item.get("sha256")
            sizes[name] = KnownSize(int(item["size"]), item["checked_at"][:40], sha if isinstance(sha, str) else "")
        return sizes

    def _ignore(self, path: str, why: str) -> dict[str, KnownSize]:
        # Called with the lock held: record the warning directly.
        message = f"ignored the Hub size cache {path}: {why}"
        log.info("Model Tracker: %s", message)
        self.warnings.append(message)
        return {}

    def _write_cache(self, repo_id: str, revision: str, sizes: dict[str, KnownSize]) -> None:
        data = {"format": CACHE_FORMAT, "repo_id": repo_id, "revision": revision,
                "files": {p: {"size": k.size, "checked_at": k.checked_at, "sha256": k.sha256 or None}
                          for p, k in sorted(sizes.items())}}
        try:
            os.makedirs(self.cache_dir, exist_ok=True)
            write_json_atomic(os.path.join(self.cache_dir, _cache_name(repo_id, revision)), data)
        except OSError as exc:  # a read-only cache: sizes stay in memory for this session
            self._warn(f"could not save Hub sizes in {self.cache_dir}: {exc}")


class _Unreachable(Exception):
    """The endpoint did not answer at all."""


class _NoPathsInfo(Exception):
    """The endpoint (a mirror, say) does not offer the paths-info API."""


def _valid_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**50


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
