"""One pass over the folders a scan needs: each folder is listed at most once, each found file stat-ed once.

Wan2GP probes every candidate path under every checkpoint root with ``os.path.isfile``. With
hundreds of models, several roots and several variants per slot that is thousands of system
calls per refresh; listing each folder once and answering from memory keeps the cost
proportional to the folders and files that really exist.

Listings are also kept between scans (``ListingCache``): a folder whose modification time has
not changed since it was listed has the same names, so a warm scan costs one ``stat`` per
folder plus one per file it actually finds (sizes are always read fresh).
"""

from __future__ import annotations

import os
import stat
import sys
import time
from dataclasses import dataclass, field

from ..fileio import path_problem

# Wan2GP checks existence with os.path.isfile, which follows the filesystem's case rules.
CASE_INSENSITIVE_FS = sys.platform in ("win32", "darwin")
# A listing taken this soon after the folder last changed is not reused: coarse timestamps
# (FAT, network shares) could hide a change made in the same tick.
_SETTLE_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class FileInfo:
    path: str
    size: int
    mtime_ns: int


@dataclass
class _Listing:
    """A folder's entries by name; only names and entry types are reused, never the entries' stat data."""

    mtime_ns: int
    listed_ns: int
    entries: dict[str, os.DirEntry[str]]
    _subfolders: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def subfolders(self, prefix: str) -> tuple[str, ...]:
        if prefix not in self._subfolders:
            self._subfolders[prefix] = tuple(e.name for e in self.entries.values()
                                             if e.name.startswith(prefix) and _is_dir(e))
        return self._subfolders[prefix]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


class ListingCache:
    """Folder listings kept across scans, keyed by folder; valid while the folder's mtime holds."""

    def __init__(self) -> None:
        self.listings: dict[str, _Listing] = {}


def _key(name: str) -> str:
    return name.casefold() if CASE_INSENSITIVE_FS else name


class DiskIndex:
    """Answers "is there a file named X in folder Y" from folder listings, for one scan."""

    def __init__(self, cache: ListingCache | None = None) -> None:
        self._cache = cache or ListingCache()
        self._listings: dict[str, _Listing | None] = {}
        self._files: dict[tuple[str, str], FileInfo | None] = {}
        self.warnings: list[str] = []
        self.broken_links: dict[str, str] = {}
        self.fs_calls = 0

    def _listing(self, folder: str) -> _Listing | None:
        if folder in self._listings:
            return self._listings[folder]
        key = os.path.normpath(folder) if folder else "."
        if key not in self._listings:
            self._listings[key] = self._read(key)
        self._listings[folder] = self._listings[key]
        return self._listings[key]

    def _read(self, folder: str) -> _Listing | None:
        self.fs_calls += 1
        problem = path_problem(folder)
        if problem:  # os.stat would raise ValueError; the definition or config is at fault, not the disk
            self.warnings.append(f"Cannot read folder {folder!r}: {problem}")
            return None
        try:
            mtime = os.stat(folder).st_mtime_ns
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            self.warnings.append(f"Cannot read folder {folder}: {exc.strerror or exc}")
            return None
        cached = self._cache.listings.get(folder)
        if cached is not None and cached.mtime_ns == mtime and cached.listed_ns - mtime > _SETTLE_NS:
            return cached
        self.fs_calls += 1
        listed = time.time_ns()
        try:
            with os.scandir(folder) as it:
                entries = {_key(e.name): e for e in it}
        except (FileNotFoundError, NotADirectoryError):
            return None
        except PermissionError:
            self.warnings.append(f"Cannot read folder {folder}: permission denied")
            return None
        except OSError as exc:
            self.warnings.append(f"Cannot read folder {folder}: {exc.strerror or exc}")
            return None
        listing = _Listing(mtime, listed, entries)
        self._cache.listings[folder] = listing
        return listing

    def replays(self, previous: DiskIndex) -> bool:
        """Whether every folder and file ``previous`` looked at reads the same in this index (same listings, same
        sizes and times): then every answer ``previous`` gave holds now. Stops at the first difference."""
        for folder, listing in previous._listings.items():
            if self._listing(folder) is not listing:  # re-listed (changed, or too recent to trust) or appeared
                return False
        for (folder, name), info in previous._files.items():
            if info is None or (folder, name) in self._files:
                if self.file(folder, name) != info:
                    return False
            elif not self._same_file(info):
                return False
            else:
                self._files[(folder, name)] = info
        return self.broken_links == previous.broken_links

    def _same_file(self, info: FileInfo) -> bool:
        """Whether a file found before is still a regular file of that size and time (its folder's listing, the
        same object, still names it)."""
        self.fs_calls += 1
        try:
            st = os.stat(info.path)
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) and st.st_size == info.size and st.st_mtime_ns == info.mtime_ns

    def names(self, folder: str) -> list[str]:
        """Entry names of ``folder``."""
        listing = self._listing(folder)
        return [e.name for e in listing.entries.values()] if listing else []

    def subfolders(self, folder: str, prefix: str = "") -> tuple[str, ...]:
        """Names of the sub-folders of ``folder`` that start with ``prefix``."""
        listing = self._listing(folder)
        return listing.subfolders(prefix) if listing else ()

    def folder_problem(self, folder: str) -> str:
        """Why ``folder`` cannot serve as a checkpoint root ("" when it is a readable folder)."""
        if self._listing(folder) is not None:
            return ""
        if path_problem(folder):
            return path_problem(folder)
        if os.path.isfile(folder):
            return "it is a file, not a folder"
        if not os.path.lexists(folder):
            return "it does not exist"
        return "it cannot be read as a folder"

    def folder_exists(self, folder: str) -> bool:
        parent, name = os.path.split(os.path.normpath(folder))
        if not name or name in (".", ".."):
            return os.path.isdir(folder)
        listing = self._listing(parent or ".")
        entry = listing.entries.get(_key(name)) if listing else None
        return entry is not None and _is_dir(entry)

    def file(self, folder: str, name: str) -> FileInfo | None:
        """The regular file ``folder/name`` with its size, or None (links are followed, like isfile)."""
        cache_key = (folder, name)
        if cache_key not in self._files:
            self._files[cache_key] = self._lookup(folder, name)
        return self._files[cache_key]

    def first(self, folders: list[str] | tuple[str, ...], name: str) -> FileInfo | None:
        """The file ``name`` in the first of ``folders`` that has it (a miss costs one dict lookup per folder)."""
        plain = "/" not in name and os.sep not in name
        key = _key(name)
        for folder in folders:
            if plain:
                listing = self._listing(folder)
                if listing is None or key not in listing.entries:
                    continue
            found = self.file(folder, name)
            if found:
                return found
        return None

    def exists(self, path: str) -> FileInfo | None:
        folder, name = os.path.split(path)
        return self.file(folder or ".", name)

    def _lookup(self, folder: str, name: str) -> FileInfo | None:
        if path_problem(name):
            return None
        if not name or "/" in name or (os.sep != "/" and os.sep in name):
            sub, name = os.path.split(os.path.join(folder, name))
            return self.file(sub, name) if name else None
        listing = self._listing(folder)
        entry = listing.entries.get(_key(name)) if listing else None
        if entry is None:
            return None
        path = os.path.join(folder, name) if folder not in ("", ".") else name
        self.fs_calls += 1
        try:
            st = os.stat(path)
        except OSError as exc:
            if entry.is_symlink():
                self.broken_links[path] = _link_target(path)
            else:
                self.warnings.append(f"Cannot read {path}: {exc.strerror or exc}")
            return None
        if not stat.S_ISREG(st.st_mode):  # a link to a folder, a device, ...
            return None
        return FileInfo(path=path, size=st.st_size, mtime_ns=st.st_mtime_ns)


def _link_target(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"
