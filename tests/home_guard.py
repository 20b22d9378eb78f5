"""Keeping the test run out of the user's home: the variables that name it, and a record of the real folders."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TRACKER_FOLDER = "wan2gp-model-tracker"


def isolate_home(home: Path) -> dict[str, str]:
    """The variables that point every cache and data folder the tracker or huggingface_hub uses into ``home``."""
    cache, data = home / ".cache", home / ".local" / "share"
    return {
        "HOME": str(home),
        "XDG_CACHE_HOME": str(cache),
        "XDG_DATA_HOME": str(data),
        "HF_HOME": str(cache / "huggingface"),
        "HF_HUB_CACHE": str(cache / "huggingface" / "hub"),
        "WAN2GP_TRACKER_DATA": str(data / TRACKER_FOLDER),
        "WAN2GP_TRACKER_CACHE": str(cache / TRACKER_FOLDER),
    }


def real_tracker_folders(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The user's own tracker cache and data folders, as the tracker would find them without the test's variables."""
    home = environ.get("HOME") or os.path.expanduser("~")
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    data = environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
    return (os.path.join(cache, TRACKER_FOLDER), os.path.join(data, TRACKER_FOLDER))


def tracker_state(folders: tuple[str, ...]) -> frozenset[tuple[str, int, int]]:
    """Every file and folder under ``folders`` with its size and modification time (absent folders: nothing)."""
    found: set[tuple[str, int, int]] = set()
    for folder in folders:
        if os.path.lexists(folder):
            st = os.lstat(folder)
            found.add((folder, st.st_size, st.st_mtime_ns))
        for parent, dirs, files in os.walk(folder):
            for name in dirs + files:
                path = os.path.join(parent, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                found.add((path, st.st_size, st.st_mtime_ns))
    return frozenset(found)
