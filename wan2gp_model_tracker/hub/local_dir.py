"""Where huggingface_hub keeps a download in progress under ``local_dir`` (as Wan2GP downloads): its lock and
partial files in ``<local_dir>/.cache/huggingface/download/``, and the ``local_dir`` of a Wan2GP download.

huggingface_hub's own helpers (``huggingface_hub._local_folder``) are used when the installed release has
them, so the tracker's names follow the release Wan2GP runs; the names below are the fallback.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HF_DOWNLOAD_CACHE = os.path.join(".cache", "huggingface", "download")


def hub_short_hash(name: str) -> str:
    # huggingface_hub >= 0.25 names the partial file after a hash of "<file>.metadata".
    return base64.urlsafe_b64encode(hashlib.sha1(name.encode("utf-8", "surrogatepass")).digest()).decode()


def hub_incomplete_name(filename: str, etag: str) -> str:
    """The name current huggingface_hub releases give a partial download of ``filename``."""
    return f"{hub_short_hash(filename + '.metadata')}.{etag}.incomplete"


@dataclass(frozen=True, slots=True)
class HubPlace:
    """Where hf_hub_download(local_dir=...) would put a file: the folder and the file's name relative to it."""

    local_dir: str
    name: str  # "/"-separated

    @property
    def lock_path(self) -> str:
        return os.path.join(self.local_dir, HF_DOWNLOAD_CACHE, *self.name.split("/")) + ".lock"

    def incomplete_path(self, etag: str) -> str:
        """The partial file huggingface_hub names for this file and etag (releases up to 1.17 resume it)."""
        paths = _hub_local_paths(self.local_dir, self.name)
        if paths is not None and callable(getattr(paths, "incomplete_path", None)):
            return str(paths.incomplete_path(etag))
        *folders, name = self.name.split("/")
        return os.path.join(self.local_dir, HF_DOWNLOAD_CACHE, *folders, hub_incomplete_name(name, etag))

    def write_metadata(self, commit_hash: str | None, etag: str | None) -> None:
        """The record huggingface_hub keeps of a finished download, so its next call sees the file as current."""
        try:
            from huggingface_hub._local_folder import write_download_metadata
        except ImportError:  # a release without it: the file is still in place, only the record is missing
            return
        if commit_hash and etag:
            write_download_metadata(Path(self.local_dir), self.name, commit_hash, etag)


def _hub_local_paths(local_dir: str, name: str) -> object | None:
    try:
        from huggingface_hub._local_folder import get_local_download_paths
    except ImportError:
        return None
    return get_local_download_paths(Path(local_dir), name)


def hub_place(target: str, path_in_repo: str) -> HubPlace:
    """The ``local_dir`` Wan2GP's download of ``target`` uses.

    Handler assets keep the repository's folders under their root (``process_files_def`` passes ``subfolder``),
    so their lock is ``<root>/.cache/huggingface/download/<folder>/<file>.lock``; a file whose target does not
    end with its path in the repository goes straight into the target's folder.
    """
    parts = PurePosixPath(path_in_repo).parts
    target_path = Path(target)
    if len(parts) > 1 and target_path.parts[-len(parts):] == parts:
        return HubPlace(str(target_path.parents[len(parts) - 1]), "/".join(parts))
    return HubPlace(str(target_path.parent), target_path.name)
