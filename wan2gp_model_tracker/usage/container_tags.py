"""The settings text Wan2GP leaves in a video's container tags, read the way Wan2GP reads it back.

Wan2GP tags MKV files with ffmpeg (a ``comment`` format tag holding the settings JSON) and reads them back
with ffprobe; an MP4/MOV whose ``©cmt`` atom is empty falls back to the same tags
(``shared/utils/video_metadata.py`` in Wan2GP 8681e9f: ``_CONTAINER_COMMENT_TAGS`` line 25,
``read_metadata_from_mkv`` line 739, ``read_metadata_from_mp4`` line 722). PyAV, which Wan2GP installs,
reads the same tags in-process; ffprobe on PATH is the second choice.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from types import ModuleType

# The tags Wan2GP looks in, in its order; matched without regard to case (Matroska stores them upper-cased).
COMMENT_TAGS = ("comment", "description")
# The placeholder Wan2GP reserves before it writes the settings in place (video_metadata.py line 21).
RESERVED_KEY = "_wangp_metadata_reserved"
FFPROBE_TIMEOUT_SECONDS = 20
_MAX_PROBE_OUTPUT = 8 * 1024 * 1024


class NoTagReader(Exception):
    """Neither PyAV nor ffprobe is available, so container tags cannot be read."""


NO_READER = "container tags need PyAV or ffprobe; neither is installed"


def pyav() -> ModuleType | None:
    """PyAV when it is installed (it is inside Wan2GP)."""
    try:
        import av
    except ImportError:
        return None
    return av


def ffprobe() -> str | None:
    return shutil.which("ffprobe")


def comment_text(path: str) -> str | None:
    """The settings text in the container's comment or description tag; None when it has none.

    Raises ``NoTagReader`` when nothing here can read container tags, and any error of the reader for a
    file it cannot parse.
    """
    tags = container_tags(path)
    lowered = {str(k).lower(): v for k, v in tags.items()}
    for key in COMMENT_TAGS:
        value = lowered.get(key)
        text = settings_text(value)
        if text is not None:
            return text
    return None


def container_tags(path: str) -> Mapping[str, str]:
    av = pyav()
    if av is not None:
        with av.open(path, metadata_errors="replace") as container:
            return dict(container.metadata)
    tool = ffprobe()
    if tool is None:
        raise NoTagReader(NO_READER)
    result = subprocess.run([tool, "-v", "quiet", "-print_format", "json", "-show_format", path],
                            capture_output=True, timeout=FFPROBE_TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        raise ValueError(f"ffprobe could not read the file (exit {result.returncode})")
    probe = json.loads(result.stdout[:_MAX_PROBE_OUTPUT].decode("utf-8", errors="replace"))
    tags = probe.get("format", {}).get("tags", {}) if isinstance(probe, dict) else {}
    return {str(k): str(v) for k, v in tags.items()} if isinstance(tags, dict) else {}


def settings_text(value: object) -> str | None:
    """A tag value as Wan2GP's ``_parse_metadata_text`` takes it: byte-order marks dropped, NUL padding cut,
    blank text and the reserved placeholder are no settings."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="ignore")
    if not isinstance(value, str):
        return None
    text = value.replace("\ufeff", "").rstrip("\0")
    if not text.strip():
        return None
    if RESERVED_KEY in text:
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        if isinstance(parsed, dict) and parsed.get(RESERVED_KEY):
            return None
    return text
