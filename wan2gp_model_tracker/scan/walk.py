"""The one bounded, link-safe walk of user folders: regular files below some folders, each folder once.

A user may point the tracker at a whole disk, at a folder holding a link to itself, or at a folder
it may not read: the walk never follows a link into a folder, lists each folder once by
(st_dev, st_ino), stops at a depth and a file count, and turns what it cannot read into a warning.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WalkedFile:
    """A regular file the walk found; ``siblings`` are the names in its folder (for sidecar lookups)."""

    path: str
    name: str
    folder: str
    stat: os.stat_result
    siblings: frozenset[str]


def list_folder(folder: str, warnings: list[str], noun: str = "folder") -> list[os.DirEntry[str]]:
    """A folder's entries; a missing folder is empty, an unreadable one a warning."""
    try:
        with os.scandir(folder) as it:
            return list(it)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        warnings.append(_unreadable(noun, folder, exc))
        return []


def walk_files(folders: Iterable[str], warnings: list[str], *, max_depth: int, max_files: int,
               keep: Callable[[str], bool] = lambda name: True, file_links: bool = False,
               noun: str = "folder", stopped: str = "") -> Iterator[WalkedFile]:
    """Regular files under ``folders`` whose name ``keep`` accepts, depth-first.

    Links to folders are never followed; a link to a file is skipped too unless ``file_links``, when
    it is reported with its target's stat. Folders deeper than ``max_depth`` below a starting folder
    are not listed. After ``max_files`` files the walk stops with the warning ``stopped`` (by default
    "stopped after N files"); a folder that cannot be read is a "cannot read <noun> ..." warning.
    """
    seen: set[tuple[int, int]] = set()
    count = 0
    pending = [(folder, 0) for folder in folders]
    while pending:
        folder, depth = pending.pop()
        try:
            st = os.stat(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            warnings.append(_unreadable(noun, folder, exc))
            continue
        if (st.st_dev, st.st_ino) in seen:  # a folder reached again (bind mount, repeated start)
            continue
        seen.add((st.st_dev, st.st_ino))
        entries = list_folder(folder, warnings, noun)
        siblings = frozenset(e.name for e in entries)
        for entry in entries:
            try:
                if entry.is_symlink():
                    if not file_links or not keep(entry.name):
                        continue
                    info = entry.stat()
                    if not stat.S_ISREG(info.st_mode):
                        continue
                elif entry.is_dir(follow_symlinks=False):
                    if depth < max_depth:
                        pending.append((entry.path, depth + 1))
                    continue
                elif not keep(entry.name) or not entry.is_file(follow_symlinks=False):
                    continue
                else:
                    info = entry.stat(follow_symlinks=False)
            except OSError:  # gone since the listing, or a broken link
                continue
            count += 1
            if count > max_files:
                warnings.append(stopped or f"stopped after {max_files:,} files")
                return
            yield WalkedFile(entry.path, entry.name, folder, info, siblings)


def _unreadable(noun: str, folder: str, exc: OSError) -> str:
    return f"cannot read {noun} {folder}: {exc.strerror or exc}"
