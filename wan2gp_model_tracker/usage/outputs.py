"""The settings Wan2GP wrote into each output it generated, read back without Wan2GP (HOST.md section 10).

Wan2GP embeds one JSON text per file: the MP4/MOV ``©cmt`` atom, the MKV ``comment`` tag, a PNG text chunk, the EXIF
UserComment of a JPEG/WebP, a ``json`` chunk in a WAV, an ID3 ``TXXX:WanGP`` frame in an MP3, or a
``.json`` sidecar when ``metadata_type`` is ``json``. A file that is not ours, is broken or holds
no settings is reported as a skip with its reason; reading never raises.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..catalog.base import CONFIG_FILENAME
from ..scan.walk import walk_files
from .container_tags import NO_READER, NoTagReader, comment_text, settings_text

VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".mkv")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")
AUDIO_EXTENSIONS = (".wav", ".mp3")
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS + IMAGE_EXTENSIONS + AUDIO_EXTENSIONS
# Keys post-processing adds to a copy of the source's settings (upscaling, film grain, audio remux).
POSTPROCESS_KEYS = ("spatial_upsampling", "temporal_upsampling", "film_grain_intensity", "postprocess_audio")
# Bounds on a walk of the output folders: nested folders and files per scan.
MAX_DEPTH = 8
MAX_FILES = 500_000
# A settings text is a few KB; anything larger is not Wan2GP's.
_MAX_TEXT = 4 * 1024 * 1024
NO_SETTINGS = "no Wan2GP settings in the file"
# Worded apart so that MKV skips stored before container tags were read are read again (see ``read_again``).
NO_TAGGED_SETTINGS = "no Wan2GP settings in the file's tags"
_EXIF_IFD = 0x8769
_USER_COMMENT = 0x9286


@dataclass(frozen=True, slots=True)
class Generation:
    """One generated output and the settings it was made with."""

    path: str
    model_type: str
    kind: str
    width: int | None
    height: int | None
    frames: int | None
    steps: int | None
    guidance: float | None
    loras: tuple[str, ...]
    generation_time: float | None
    created: datetime
    postprocessed: bool
    identity: str

    @property
    def pixels_frames(self) -> int | None:
        """The workload: width × height × frames (one frame for an image)."""
        if self.width is None or self.height is None:
            return None
        return self.width * self.height * (self.frames or 1)


@dataclass(frozen=True, slots=True)
class OutputFile:
    """A media file found in an output folder, with what identifies its current content."""

    path: str
    size: int
    mtime_ns: int
    sidecar: str
    sidecar_mtime_ns: int


@dataclass(frozen=True, slots=True)
class ReadResult:
    generation: Generation | None
    problem: str = ""


def output_folders(wan2gp_dir: str, config: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """``save_path``, ``image_save_path`` and ``audio_save_path`` made absolute.

    ``config`` is Wan2GP's live ``server_config`` inside the host; otherwise wgp_config.json is read.
    """
    if config is None:
        try:
            with open(os.path.join(wan2gp_dir, CONFIG_FILENAME), encoding="utf-8") as fh:
                config = json.load(fh)
        except (OSError, ValueError):
            config = {}
    if not isinstance(config, Mapping):
        config = {}
    save = config.get("save_path")
    save = save if isinstance(save, str) and save.strip() else "outputs"
    folders = [save]
    for key in ("image_save_path", "audio_save_path"):
        value = config.get(key)
        folders.append(value if isinstance(value, str) and value.strip() else save)
    absolute = [os.path.normpath(os.path.join(wan2gp_dir, f.strip())) for f in folders]
    return tuple(dict.fromkeys(absolute))


def walk_outputs(folders: tuple[str, ...], warnings: list[str]) -> Iterator[OutputFile]:
    """Media files under the folders, each once; links are not followed, depth and count are bounded."""
    for found in walk_files(folders, warnings, max_depth=MAX_DEPTH, max_files=MAX_FILES,
                            keep=lambda name: name.lower().endswith(MEDIA_EXTENSIONS), noun="output folder",
                            stopped=f"stopped after {MAX_FILES:,} output files"):
        sidecar, sidecar_mtime = _sidecar(found.folder, found.name, found.siblings)
        yield OutputFile(found.path, found.stat.st_size, found.stat.st_mtime_ns, sidecar, sidecar_mtime)


def _sidecar(folder: str, name: str, names: frozenset[str]) -> tuple[str, int]:
    for candidate in (os.path.splitext(name)[0] + ".json", name + ".json"):
        if candidate in names:
            path = os.path.join(folder, candidate)
            try:
                return path, os.stat(path).st_mtime_ns
            except OSError:
                return "", 0
    return "", 0


def read_output(item: OutputFile) -> ReadResult:
    """The generation an output records, or why it cannot be read as one."""
    failure = ""
    try:
        text = embedded_settings(item.path)
    except NoTagReader:
        text, failure = None, NO_READER
    except Exception as exc:  # any parser failure on a foreign or broken file is a skip
        text, failure = None, f"unreadable: {type(exc).__name__}"
    if text is None and item.sidecar:
        try:
            with open(item.sidecar, encoding="utf-8") as fh:
                text = fh.read(_MAX_TEXT)
        except (OSError, UnicodeDecodeError) as exc:
            failure = f"unreadable sidecar: {type(exc).__name__}"
    if text is None and failure:
        return ReadResult(None, failure)
    if text is None:
        return ReadResult(None, NO_TAGGED_SETTINGS if _tagged_container(item.path) else NO_SETTINGS)
    try:
        settings = json.loads(text)
    except ValueError:
        return ReadResult(None, "settings are not valid JSON")
    if not isinstance(settings, dict):
        return ReadResult(None, "settings are not a JSON object")
    return generation_from_settings(item.path, settings, item.mtime_ns)


def read_again(path: str, problem: str) -> bool:
    """Whether a stored skip may have a different answer now: no tag reader was installed then, or the
    MKV was skipped by a version that could not read container tags."""
    return problem == NO_READER or (problem == NO_SETTINGS and _tagged_container(path))


def _tagged_container(path: str) -> bool:
    return path.lower().endswith(".mkv")


def embedded_settings(path: str) -> str | None:
    """The settings text embedded in a media file, or None when it has none."""
    ext = os.path.splitext(path)[1].lower()
    if ext in (".mp4", ".mov", ".m4v"):
        from mutagen.mp4 import MP4

        tags = MP4(path).tags
        values = tags.get("\xa9cmt") if tags is not None else None
        text = settings_text(str(values[0])) if values else None
        if text is not None:
            return text
        try:  # Wan2GP falls back to the container's comment tags too
            return comment_text(path)
        except NoTagReader:
            return None
    if ext == ".mkv":
        return comment_text(path)
    if ext == ".png":
        return _image_text(path, png=True)
    if ext in (".jpg", ".jpeg", ".webp"):
        return _image_text(path, png=False)
    if ext == ".wav":
        return _wav_json_chunk(path)
    if ext == ".mp3":
        from mutagen.id3 import ID3

        frames = [f for f in ID3(path).getall("TXXX") if f.desc == "WanGP"]
        return str(frames[0].text[0]) if frames and frames[0].text else None
    return None


def _image_text(path: str, png: bool) -> str | None:
    from PIL import Image

    with Image.open(path) as image:
        if png:
            text = getattr(image, "text", None) or image.info
            value = text.get("comment")
            return value if isinstance(value, str) else None
        raw = image.getexif().get_ifd(_EXIF_IFD).get(_USER_COMMENT)
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, bytes):
        return None
    # EXIF UserComment: an 8-byte character-code prefix, then the text.
    prefix, body = raw[:8], raw[8:]
    if prefix.startswith(b"UNICODE"):
        return body.decode("utf-16-be" if body[:1] == b"\x00" else "utf-16-le", errors="replace")
    if prefix.startswith((b"ASCII", b"\x00\x00\x00\x00\x00\x00\x00\x00")):
        return body.decode("utf-8", errors="replace").rstrip("\x00")
    return raw.decode("utf-8", errors="replace").rstrip("\x00")


def _wav_json_chunk(path: str) -> str | None:
    """The ``json`` chunk of a RIFF/WAVE file, found by walking the chunk list (bounded by the file size)."""
    with open(path, "rb") as fh:
        header = fh.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            raise ValueError("not a WAVE file")
        size = os.fstat(fh.fileno()).st_size
        pos = 12
        while pos + 8 <= size:
            fh.seek(pos)
            chunk_id, length = struct.unpack("<4sI", fh.read(8))
            if chunk_id == b"json":
                if length > _MAX_TEXT:
                    raise ValueError("json chunk too large")
                return fh.read(length).decode("utf-8")
            pos += 8 + length + (length & 1)
    return None


def generation_from_settings(path: str, settings: Mapping[str, Any], mtime_ns: int) -> ReadResult:
    model_type = settings.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        return ReadResult(None, "settings name no model_type")
    width, height = _resolution(settings.get("resolution"))
    created = _created(settings, mtime_ns)
    ext = os.path.splitext(path)[1].lower()
    kind = "image" if ext in IMAGE_EXTENSIONS else "audio" if ext in AUDIO_EXTENSIONS else "video"
    loras = settings.get("activated_loras")
    seed = settings.get("seed")
    stamp = settings.get("creation_timestamp") or settings.get("creation_date")
    # Copies of one generation share its seed, creation time and timing; without a time there is no telling.
    identity = json.dumps([model_type, seed, stamp, settings.get("generation_time")], default=str) if stamp else ""
    return ReadResult(Generation(
        path=path,
        model_type=model_type,
        kind=kind,
        width=width,
        height=height,
        frames=_positive_int(settings.get("video_length")) if kind == "video" else 1 if kind == "image" else None,
        steps=_positive_int(settings.get("num_inference_steps")),
        guidance=_number(settings.get("guidance_scale")),
        loras=tuple(str(x) for x in loras if isinstance(x, str)) if isinstance(loras, list) else (),
        generation_time=_number(settings.get("generation_time")),
        created=created,
        postprocessed=any(settings.get(key) not in (None, "", 0, False) for key in POSTPROCESS_KEYS),
        identity=identity,
    ))


def _resolution(value: Any) -> tuple[int | None, int | None]:
    if isinstance(value, str) and "x" in value.lower():
        w, _, h = value.lower().partition("x")
        width, height = _positive_int(w.strip()), _positive_int(h.strip())
        if width and height:
            return width, height
    return None, None


def _positive_int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number < 10**7 else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 <= number < 10**8 else None


def _created(settings: Mapping[str, Any], mtime_ns: int) -> datetime:
    stamp = settings.get("creation_timestamp")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and 0 < stamp < 10**11:
        return datetime.fromtimestamp(stamp)
    date = settings.get("creation_date")
    if isinstance(date, str):
        try:
            parsed = datetime.fromisoformat(date.strip())
            return parsed.astimezone().replace(tzinfo=None) if parsed.tzinfo else parsed
        except ValueError:
            pass
    return datetime.fromtimestamp(mtime_ns / 1e9)
