"""Wan2GP's download defs (``{repoId, sourceFolderList, fileList, targetFolderList}``) as flat asset entries.

Family handlers declare, through ``query_model_files``, the VAEs, tokenizers and configs every
generation fetches beside the weights the definition lists; the host's shared tools use the same
shape (HOST.md section 4.4). Each folder/file-list pair means ``<root>/<target or source folder>/<file>``;
an empty file list means the whole folder, which counts as present when the folder exists.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..hub.urls import DEFAULT_ENDPOINT

# The core shared tools HOST.md section 4.4 names, fetched on the first generation of any model.
# Used by name only when the host cannot tell us more (their repository is the host's business).
CORE_SHARED_FOLDERS = ("pose", "scribble", "flow", "depth", "wav2vec", "chinese-wav2vec2-base", "roformer",
                       "pyannote", "det_align")


class DownloadDefError(ValueError):
    """A download def whose shape Wan2GP itself could not use."""


@dataclass(frozen=True, slots=True)
class AssetEntry:
    """One file (or, with an empty ``filename``, one whole folder) a download def asks for."""

    repo_id: str
    source_folder: str
    target_folder: str
    filename: str

    @property
    def is_folder(self) -> bool:
        return not self.filename

    @property
    def local(self) -> str:
        """The path below a checkpoint root: ``<target folder>/<file>``."""
        return posixpath.join(self.target_folder, self.filename) if self.filename else self.target_folder

    @property
    def url(self) -> str:
        """Where ``hf_hub_download`` fetches it from; a folder has its tree page (it is fetched whole)."""
        if not self.repo_id:
            return ""
        path = posixpath.join(self.source_folder, self.filename) if self.filename else self.source_folder
        if self.is_folder:
            return f"{DEFAULT_ENDPOINT}/{self.repo_id}/tree/main/{quote(path)}".rstrip("/")
        return f"{DEFAULT_ENDPOINT}/{self.repo_id}/resolve/main/{quote(path)}"


def _clean_relative(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DownloadDefError(f"{what} must be text, not {type(value).__name__}")
    path = value.replace("\\", "/").strip("/")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or (len(value) > 1 and value[1] == ":"):
        raise DownloadDefError(f"{what} {value!r} leaves the checkpoint folder")
    return "/".join(parts)


def asset_entries(defs: Any) -> tuple[AssetEntry, ...]:
    """Every file and folder in one download def or a list of them; raises DownloadDefError on a bad shape."""
    if defs is None:
        return ()
    items = [defs] if isinstance(defs, Mapping) else defs
    if not isinstance(items, (list, tuple)):
        raise DownloadDefError(f"expected a download def or a list of them, not {type(defs).__name__}")
    entries: list[AssetEntry] = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            raise DownloadDefError(f"download def {number} is a {type(item).__name__}, not an object")
        repo = item.get("repoId", "")
        if not isinstance(repo, str):
            raise DownloadDefError(f"download def {number}: repoId must be text")
        sources = item.get("sourceFolderList", [""])
        files = item.get("fileList")
        targets = item.get("targetFolderList") or sources
        if not (isinstance(sources, list) and isinstance(files, list) and isinstance(targets, list)):
            raise DownloadDefError(f"download def {number}: folder and file lists must be lists")
        if len(files) != len(sources) or len(targets) != len(sources):
            raise DownloadDefError(f"download def {number}: {len(sources)} folders but {len(files)} file lists "
                                   f"and {len(targets)} target folders")
        for source, names, target in zip(sources, files, targets, strict=True):
            source_folder = _clean_relative(source, "folder")
            target_folder = _clean_relative(target, "target folder") if target is not None else source_folder
            if not isinstance(names, list):
                raise DownloadDefError(f"download def {number}: the file list of {source!r} is not a list")
            if not names:
                if not target_folder:  # "the whole root" is not something Wan2GP can check or fetch
                    raise DownloadDefError(f"download def {number}: an empty file list needs a folder")
                entries.append(AssetEntry(repo, source_folder, target_folder, ""))
            for name in names:
                clean = _clean_relative(name, "file name")
                if not clean:
                    raise DownloadDefError(f"download def {number}: an empty file name")
                entries.append(AssetEntry(repo, source_folder, target_folder, clean))
    return tuple(dict.fromkeys(entries))


def entries_as_defs(entries: tuple[AssetEntry, ...]) -> list[dict[str, Any]]:
    """Entries back in Wan2GP's download-def shape, one per entry (what the snapshot saves)."""
    return [{"repoId": e.repo_id, "sourceFolderList": [e.source_folder],
             "fileList": [[e.filename] if e.filename else []], "targetFolderList": [e.target_folder]}
            for e in entries]


def core_shared_fallback() -> tuple[AssetEntry, ...]:
    """The shared tools by folder name only, for a host that does not list them itself."""
    return tuple(AssetEntry("", folder, folder, "") for folder in CORE_SHARED_FOLDERS)
