"""Reading JSON from the user's disk safely, and writing files without half-written states."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from typing import Any

# Wan2GP's own files nest a handful of levels; anything far deeper is hostile or corrupt, and
# would later blow Python's recursion limit in code that walks it (copies, json.dumps, Gradio).
MAX_JSON_DEPTH = 64
# Definitions and configs are kilobytes and the tab's snapshot a few megabytes; a larger file is not one of them.
MAX_JSON_BYTES = 64 * 2**20


class JSONFileError(ValueError):
    """A JSON text that cannot be used; the message names the reason in one line."""


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether lists and objects nest deeper than ``limit`` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def loads_json(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that turns every failure, deep nesting included, into JSONFileError."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise JSONFileError(f"not usable JSON: nested deeper than {max_depth} levels") from None
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
        raise JSONFileError(f"not valid JSON: {exc}") from exc
    if json_depth_exceeds(data, max_depth):
        raise JSONFileError(f"not usable JSON: nested deeper than {max_depth} levels")
    return data


def path_problem(path: str) -> str:
    """Why ``path`` can name no file ("" when it can): os calls raise ValueError on these, not OSError."""
    if "\0" in path:
        return "it contains a NUL byte"
    try:
        os.fsencode(path)
    except UnicodeEncodeError:
        return "it holds characters no file name can hold (a lone surrogate)"
    return ""


def printable(text: str) -> str:
    """Text that can be encoded as UTF-8: lone surrogates (from a JSON ``\\ud800`` or a non-UTF-8 file
    name) become visible ``\\udcff`` escapes instead of failing every writer downstream."""
    text = str(text)
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def read_json_file(path: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A JSON file from the user's disk. Raises OSError (and FileNotFoundError) or JSONFileError, nothing else."""
    problem = path_problem(path)
    if problem:
        raise JSONFileError(f"the path {path!r} cannot be opened: {problem}")
    # A FIFO or device under a JSON name would block the open or never end: only regular files are read.
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise JSONFileError("not a regular file")
    with open(path, "rb") as fh:
        # Ask for what the file holds (plus one byte, to see it grow past the cap): read(n) allocates n bytes.
        raw = fh.read(min(os.fstat(fh.fileno()).st_size, MAX_JSON_BYTES) + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise JSONFileError(f"too large to be a Wan2GP file (over {MAX_JSON_BYTES // 2**20} MB)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JSONFileError(f"not UTF-8 text ({exc.reason})") from None
    return loads_json(text, max_depth)


def write_json_atomic(path: str, data: Any, indent: int = 1, ensure_ascii: bool = False) -> None:
    """Write JSON beside its destination, then rename over it, so readers never see half a file."""
    replace_text(path, json.dumps(data, indent=indent, ensure_ascii=ensure_ascii))


def replace_text(path: str, text: str) -> None:
    """Replace a file's text atomically, keeping its mode and owner, through a symlink to its target.

    The new text goes to a temporary file in the same folder (so the rename cannot cross
    filesystems), gets the old file's permissions (and owner, when running as root on a user's
    folder), is flushed to disk, then renamed over the target.
    """
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.basename(target)[-40:], dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            if old is not None:
                os.fchmod(fh.fileno(), stat.S_IMODE(old.st_mode))
                if hasattr(os, "geteuid") and os.geteuid() == 0 and (old.st_uid, old.st_gid) != (0, 0):
                    os.fchown(fh.fileno(), old.st_uid, old.st_gid)
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(fh.fileno(), 0o666 & ~umask)
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
