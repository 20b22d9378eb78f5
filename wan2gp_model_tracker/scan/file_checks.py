"""Cheap integrity checks on weight files, and huggingface_hub's leftovers of unfinished downloads.

These only ever produce warnings: Wan2GP's own status rule looks at file existence alone, and
the tracker reports the same status.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from datetime import datetime

from ..fileio import loads_json
from ..hub.local_dir import HF_DOWNLOAD_CACHE, hub_short_hash
from ..records import IncompleteDownload
from .disk_index import DiskIndex, FileInfo

# A safetensors header is a few hundred KB even for 20B models; anything far larger is corrupt.
_MAX_HEADER_BYTES = 100 * 1024 * 1024
# A valid header is an object of tensor objects holding lists: three levels.
_MAX_HEADER_DEPTH = 8
# huggingface_hub's download cache is flat; Wan2GP's staging adds a level or two. Deeper trees
# (or links that loop) are not download caches and are not walked further.
_MAX_CACHE_DEPTH = 6
_MAX_CACHE_FOLDERS = 256
_GGUF_MAGIC = b"GGUF"
# An .incomplete file written to within this many seconds is treated as a download in flight.
IN_PROGRESS_SECONDS = 120


class HeaderError(ValueError):
    """Why a safetensors header cannot be read."""


def read_safetensors_header(path: str, size: int) -> tuple[int, dict]:
    """The header's length and its JSON object (header only: no tensor data is read); HeaderError says why not."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise HeaderError("unreadable safetensors header: file is shorter than 8 bytes")
            (header_len,) = struct.unpack("<Q", head)
            if header_len > _MAX_HEADER_BYTES or header_len + 8 > size:
                raise HeaderError("truncated or corrupt: the safetensors header is longer than the file")
            header = loads_json(fh.read(header_len), max_depth=_MAX_HEADER_DEPTH)
    except OSError as exc:
        raise HeaderError(f"cannot read file: {exc.strerror or exc}") from exc
    except HeaderError:
        raise
    except ValueError as exc:
        raise HeaderError("unreadable safetensors header (not valid JSON)") from exc
    if not isinstance(header, dict):
        raise HeaderError("unreadable safetensors header (not a JSON object)")
    return header_len, header


def tensor_bytes(header: dict) -> dict[str, int]:
    """Bytes per tensor as the header declares them; HeaderError when an entry has no valid offsets."""
    sizes = {}
    for name, tensor in header.items():
        if name == "__metadata__":
            continue
        offsets = tensor.get("data_offsets") if isinstance(tensor, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
            raise HeaderError(f"unreadable safetensors header (tensor {name!r} has no valid data_offsets)")
        sizes[name] = max(offsets[1] - offsets[0], 0)
    return sizes


def declared_size(header_len: int, header: dict) -> int:
    """The file size the header promises: 8 bytes, the header, and the end of the last tensor."""
    ends = [t["data_offsets"][1] for n, t in header.items() if n != "__metadata__"]
    return 8 + header_len + max(ends, default=0)


def safetensors_problem(path: str, size: int) -> str | None:
    """Why a .safetensors file cannot be complete, or None when its header adds up."""
    try:
        header_len, header = read_safetensors_header(path, size)
        tensor_bytes(header)
    except HeaderError as exc:
        return str(exc)
    expected = declared_size(header_len, header)
    if size < expected:
        return f"truncated: {size:,} bytes on disk, the header promises {expected:,}"
    return None


def gguf_problem(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    return None if magic == _GGUF_MAGIC else "not a GGUF file (bad magic bytes): corrupt or unfinished"


class HeaderCache:
    """Remembers check results by path, size and mtime so a warm scan opens no file."""

    def __init__(self) -> None:
        self._results: dict[tuple[str, int, int], str | None] = {}
        self._lock = threading.Lock()
        self.files_opened = 0

    def problem(self, info: FileInfo) -> str | None:
        lowered = info.path.lower()
        if lowered.endswith(".safetensors"):
            check = lambda: safetensors_problem(info.path, info.size)  # noqa: E731
        elif lowered.endswith(".gguf"):
            check = lambda: gguf_problem(info.path)  # noqa: E731
        else:
            return None
        key = (info.path, info.size, info.mtime_ns)
        with self._lock:
            if key in self._results:
                return self._results[key]
        result = check()
        with self._lock:
            self.files_opened += 1
            self._results[key] = result
        return result


def _download_caches(index: DiskIndex, root: str) -> list[str]:
    """The hub download caches under a root, including Wan2GP's ``_temp*`` staging folders.

    Files in a Hugging Face sub-folder are fetched into a temporary ``_temp...`` folder of the
    target directory and moved afterwards, so an interrupted one leaves its partial file there.
    """
    pending = [(os.path.join(root, HF_DOWNLOAD_CACHE), 0)]
    pending += [(os.path.join(root, name, HF_DOWNLOAD_CACHE), 0) for name in index.subfolders(root, "_temp")]
    found: list[str] = []
    visited: set[tuple[int, int]] = set()
    while pending and len(found) < _MAX_CACHE_FOLDERS:
        folder, depth = pending.pop()
        try:
            st = os.stat(folder)
        except (OSError, ValueError):
            continue
        if (st.st_dev, st.st_ino) in visited:  # a link back to a folder already walked
            continue
        visited.add((st.st_dev, st.st_ino))
        if index.names(folder):
            found.append(folder)
            if depth < _MAX_CACHE_DEPTH:
                pending += [(os.path.join(folder, name), depth + 1) for name in index.subfolders(folder)
                            if not os.path.islink(os.path.join(folder, name))]
    return found


def incomplete_downloads(index: DiskIndex, roots: tuple[str, ...],
                         filenames: set[str]) -> dict[str, IncompleteDownload]:
    """Partial downloads found in the roots' hub download caches, keyed by target file name.

    huggingface_hub writes ``<root>/.cache/huggingface/download/<name>.<etag>.incomplete``
    (older releases) or ``<hash of name.metadata>.<etag>.incomplete`` (newer ones) while a file
    is in flight, and leaves it behind when the download is interrupted.
    """
    by_prefix: dict[str, str] = {}
    for name in filenames:
        by_prefix[name] = name
        by_prefix[hub_short_hash(f"{name}.metadata")] = name
    found: dict[str, IncompleteDownload] = {}
    now = time.time()
    for root in roots:
        for folder in _download_caches(index, root):
            for entry_name in index.names(folder):
                if not entry_name.endswith(".incomplete"):
                    continue
                stem = entry_name[: -len(".incomplete")]
                target = by_prefix.get(stem.rsplit(".", 1)[0] if "." in stem else stem)
                info = index.file(folder, entry_name) if target is not None and target not in found else None
                if info is None:
                    continue
                modified = info.mtime_ns / 1e9
                found[target] = IncompleteDownload(
                    filename=target,
                    path=info.path,
                    bytes_so_far=info.size,
                    in_progress=now - modified < IN_PROGRESS_SECONDS,
                    modified=datetime.fromtimestamp(modified),
                )
    return found
