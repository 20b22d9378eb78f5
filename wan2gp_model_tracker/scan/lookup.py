"""Where each planned file is on disk for one scan, and what a scan looked up for the next one to reuse."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..records import IncompleteDownload
from .assets import folder_info
from .disk_index import DiskIndex, FileInfo
from .plan import PlannedFile


class FileLookup:
    """Answers "where is this file" for one refresh with the host's search order, once per file."""

    def __init__(self, index: DiskIndex, roots: tuple[str, ...]) -> None:
        self.index = index
        self.roots = roots
        self._found: dict[tuple[str, tuple[str, ...]], FileInfo | None] = {}
        self._folders: dict[str, FileInfo | None] = {}
        # Relative paths the host's download_def_missing_files says it would fetch (None: use the roots).
        self.host_missing: frozenset[str] | None = None

    def find(self, local: str, extra_paths: tuple[str, ...] = ()) -> FileInfo | None:
        key = (local, extra_paths)
        if key not in self._found:
            self._found[key] = self._search(local, extra_paths)
        return self._found[key]

    def _search(self, local: str, extra_paths: tuple[str, ...]) -> FileInfo | None:
        if os.path.isabs(local):
            return self.index.exists(local)
        if extra_paths:
            found = self.index.first([os.path.join(root, f) for f in extra_paths for root in self.roots], local)
            if found:
                return found
        return self.index.first(self.roots, local)

    def locate(self, planned: PlannedFile) -> FileInfo | None:
        if planned.lora_path:
            return self.index.exists(planned.lora_path)
        if planned.is_folder:
            return self.folder(planned.local)
        return self.find(planned.local, planned.extra_paths)

    def folder(self, local: str) -> FileInfo | None:
        """A whole-folder asset: the first root that has the folder, with the bytes inside it."""
        if local not in self._folders:
            path = next((os.path.join(r, local) for r in self.roots
                         if self.index.folder_exists(os.path.join(r, local))), None)
            self._folders[local] = folder_info(path) if path else None
        return self._folders[local]

    def carried_to(self, index: DiskIndex, host_missing: frozenset[str] | None) -> bool:
        """Whether this lookup's answers hold for a new scan whose index is ``index``; if so it answers from it."""
        if host_missing != self.host_missing or not index.replays(self.index):
            return False
        fresh = FileLookup(index, self.roots)
        if any(fresh.folder(local) != info for local, info in self._folders.items()):
            return False
        self.index = index
        return True

    def host_says_missing(self, planned: PlannedFile) -> bool | None:
        """The host's own verdict on a handler asset, when its function could be asked."""
        if self.host_missing is None or not planned.is_asset:
            return None
        return planned.local in self.host_missing

    def download_target(self, planned: PlannedFile) -> str:
        """Where Wan2GP would write the file if it downloaded it now."""
        if planned.lora_path:
            return planned.lora_path
        if os.path.isabs(planned.local) or not self.roots:
            return planned.local
        root = self.roots[0]
        if planned.is_asset:
            # Handler assets go to the first root that already has their folder (the host's smart root).
            if planned.asset_folder:
                root = next((r for r in self.roots
                             if self.index.folder_exists(os.path.join(r, planned.asset_folder))), root)
            return os.path.join(root, planned.local)
        if planned.extra_paths:
            # Text encoders go to the first root that already has their folder.
            folder = planned.extra_paths[0]
            root = next((r for r in self.roots if self.index.folder_exists(os.path.join(r, folder))), root)
            return os.path.join(root, folder, planned.local)
        return os.path.join(root, planned.local)


@dataclass(frozen=True)
class LastScan:
    """What a scan looked up: reused whole by the next scan when the disk, the host and the Hub sizes agree."""

    lookup: FileLookup
    located: dict[str, list[tuple[PlannedFile, FileInfo | None]]]
    missing_names: set[str]
    partials: dict[str, IncompleteDownload]
    hub_generation: int
