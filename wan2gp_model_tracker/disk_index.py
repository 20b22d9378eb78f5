"""One pass over the folders a scan needs: each folder is listed once, each file stat-ed once.

Wan2GP probes every candidate path under every checkpoint root with ``os.path.isfile``. With
hundreds of models, several roots and several variants per slot that is thousands of system
calls per refresh; listing each folder once and answering from memory keeps the cost
proportional to the folders and files that really exist.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

# Wan2GP checks existence with os.path.isfile, which follows the filesystem's case rules.
CASE_INSENSITIVE_FS = sys.platform in ("win32", "darwin")


@dataclass(frozen=True, slots=True)
class FileInfo:
    path: str
    size: int
    mtime_ns: int


class DiskIndex:
    """Lazily lists folders and answers "is there a file named X in folder Y" from memory.

    An index lives for one refresh; build a new one to see changes on disk.
    """

    def __init__(self) -> None:
        self._listings: dict[str, dict[str, os.DirEntry[str]] | None] = {}
        self._files: dict[tuple[str, str], FileInfo | None] = {}
        self.warnings: list[str] = []
        self.broken_links: dict[str, str] = {}
        self.fs_calls = 0

    def listing(self, folder: str) -> dict[str, os.DirEntry[str]]:
        """Entries of ``folder`` by name (case-folded where the filesystem ignores case)."""
        key = os.path.normpath(folder) if folder else "."
        cached = self._listings.get(key)
        if cached is not None or key in self._listings:
            return cached or {}
        entries: dict[str, os.DirEntry[str]] | None = None
        self.fs_calls += 1
        try:
            with os.scandir(key) as it:
                if CASE_INSENSITIVE_FS:
                    entries = {e.name.casefold(): e for e in it}
                else:
                    entries = {e.name: e for e in it}
        except FileNotFoundError:
            entries = None
        except NotADirectoryError:
            entries = None
        except PermissionError:
            self.warnings.append(f"Cannot read folder {key}: permission denied")
        except OSError as exc:
            self.warnings.append(f"Cannot read folder {key}: {exc.strerror or exc}")
        self._listings[key] = entries
        return entries or {}

    def folder_exists(self, folder: str) -> bool:
        parent, name = os.path.split(os.path.normpath(folder))
        if not name or name in (".", ".."):
            return os.path.isdir(folder)
        entry = self.listing(parent or ".").get(name.casefold() if CASE_INSENSITIVE_FS else name)
        if entry is None:
            return False
        try:
            return entry.is_dir()
        except OSError:
            return False

    def file(self, folder: str, name: str) -> FileInfo | None:
        """The regular file ``folder/name`` with its size, or None (links are followed, like isfile)."""
        cache_key = (folder, name)
        if cache_key in self._files:
            return self._files[cache_key]
        info = self._lookup(folder, name)
        self._files[cache_key] = info
        return info

    def _lookup(self, folder: str, name: str) -> FileInfo | None:
        if not name or "/" in name or (os.sep != "/" and os.sep in name):
            sub, name = os.path.split(os.path.join(folder, name))
            return self.file(sub, name) if name else None
        entry = self.listing(folder).get(name.casefold() if CASE_INSENSITIVE_FS else name)
        if entry is None:
            return None
        path = os.path.join(folder, name) if folder not in ("", ".") else name
        try:
            if not entry.is_file():
                if entry.is_symlink():
                    self.broken_links[path] = _link_target(entry.path)
                return None
            self.fs_calls += 1
            st = entry.stat()
        except OSError as exc:
            if entry.is_symlink():
                self.broken_links[path] = _link_target(entry.path)
            else:
                self.warnings.append(f"Cannot read {path}: {exc.strerror or exc}")
            return None
        return FileInfo(path=path, size=st.st_size, mtime_ns=st.st_mtime_ns)

    def exists(self, path: str) -> FileInfo | None:
        folder, name = os.path.split(path)
        return self.file(folder or ".", name)


def _link_target(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"
