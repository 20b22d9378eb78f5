"""Writing the tracker's own files (snapshot, exports, Wan2GP's config) without half-written states."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Any


def write_json_atomic(path: str, data: Any, indent: int = 1, ensure_ascii: bool = False) -> None:
    """Write JSON beside its destination, then rename over it, so readers never see half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=indent, ensure_ascii=ensure_ascii)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
