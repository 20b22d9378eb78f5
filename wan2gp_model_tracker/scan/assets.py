"""Handler assets on disk: whole-folder sizes, and the host's own answer on which assets it would fetch."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..catalog.base import CatalogState
from ..hub.urls import parse_hub_url
from ..records import CatalogWarning
from .disk_index import FileInfo
from .plan import ModelPlan, PlannedFile
from .walk import walk_files

# A folder asset's size is summed over at most this many files, this deep (a runaway folder must not stall a scan).
_FOLDER_WALK_LIMIT = 20_000
_FOLDER_WALK_DEPTH = 16


def folder_info(path: str) -> FileInfo:
    """A folder as a FileInfo: its path, the bytes of the files below it, its own modification time."""
    # Files linked into the folder (a reused copy) count at their target's size; unreadable parts count nothing.
    total = sum(found.stat.st_size for found in walk_files([path], [], max_depth=_FOLDER_WALK_DEPTH,
                                                          max_files=_FOLDER_WALK_LIMIT, file_links=True))
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        mtime = 0
    return FileInfo(path=path, size=total, mtime_ns=mtime)


def host_missing_assets(state: CatalogState, plans: Mapping[str, ModelPlan], shared: tuple[PlannedFile, ...] | None,
                  warnings: list[CatalogWarning]) -> frozenset[str] | None:
    """Ask the host's download_def_missing_files, once per scan, which handler assets it would fetch."""
    if state.missing_assets is None:
        return None
    assets = {p.local: p for plan in plans.values() for p in plan.files if p.is_asset}
    assets.update((p.local, p) for p in shared or ())
    if not assets:
        return None
    defs = [{"repoId": hub.repo_id if (hub := parse_hub_url(p.entry)) else "",
             "sourceFolderList": [p.asset_folder],
             "fileList": [[] if p.is_folder else [p.local[len(p.asset_folder):].lstrip("/")]],
             "targetFolderList": [p.asset_folder]} for p in assets.values()]
    try:
        answer = state.missing_assets(defs)
        return frozenset(os.path.normpath(str(a)).replace(os.sep, "/").strip("/") for a in answer or ())
    except Exception as exc:  # the tracker's own lookup then applies, with the same rule
        warnings.append(CatalogWarning(f"Wan2GP's download_def_missing_files failed ({exc}); files were "
                                       "looked up by the tracker instead", "host"))
        return None
