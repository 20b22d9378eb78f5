"""Writes tiny outputs the way Wan2GP tags them: MP4 ``©cmt``, PNG text, EXIF UserComment, WAV chunk, ID3."""

from __future__ import annotations

import json
import os
import struct
from datetime import datetime
from pathlib import Path
from typing import Any

from wan2gp_model_tracker.usage.outputs import OutputFile


def item(path: Path) -> OutputFile:
    """An output file as the walk of the output folders finds it (no sidecar)."""
    st_ = path.stat()
    return OutputFile(str(path), st_.st_size, st_.st_mtime_ns, "", 0)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def minimal_mp4() -> bytes:
    """ftyp + moov(mvhd) + empty mdat: the smallest file mutagen accepts as MP4."""
    mvhd = _box(b"mvhd", bytes(4) + struct.pack(">IIII", 0, 0, 1000, 0) + struct.pack(">IH", 0x00010000, 0x0100)
                + bytes(10 + 36 + 24) + struct.pack(">I", 2))
    return _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + _box(b"moov", mvhd) + _box(b"mdat", b"")


def settings(model_type: str, seconds: float | None = 60, steps: int = 30, resolution: str = "832x480",
             frames: int = 81, created: datetime | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"model_type": model_type, "resolution": resolution, "video_length": frames,
                            "num_inference_steps": steps, "guidance_scale": 5.0, "seed": extra.pop("seed", 42),
                            "activated_loras": extra.pop("loras", [])}
    if seconds is not None:
        data["generation_time"] = seconds
    if created is not None:
        data["creation_date"] = created.isoformat(timespec="seconds")
        data["creation_timestamp"] = int(created.timestamp())
    data.update(extra)
    return data


def write_mp4(path: Path, meta: dict[str, Any] | None) -> Path:
    from mutagen.mp4 import MP4

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(minimal_mp4())
    if meta is not None:
        mp4 = MP4(str(path))
        mp4["\xa9cmt"] = [json.dumps(meta)]
        mp4.save()
    return path


def write_png(path: Path, meta: dict[str, Any]) -> Path:
    from PIL import Image, PngImagePlugin

    path.parent.mkdir(parents=True, exist_ok=True)
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", json.dumps(meta))
    Image.new("RGB", (4, 4)).save(path, pnginfo=info)
    return path


def write_jpeg(path: Path, meta: dict[str, Any]) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (4, 4))
    exif = image.getexif()
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00" + json.dumps(meta).encode()
    image.save(path, exif=exif)
    return path


def write_wav(path: Path, meta: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    text = json.dumps(meta).encode()
    chunks = (b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", 4) + bytes(4)
              + b"json" + struct.pack("<I", len(text)) + text + (b"\x00" if len(text) % 2 else b""))
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks)
    return path


def write_mp3(path: Path, meta: dict[str, Any]) -> Path:
    from mutagen.id3 import ID3, TXXX

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xfb\x90\x00" + bytes(413))
    tags = ID3()
    tags.add(TXXX(encoding=3, desc="WanGP", text=[json.dumps(meta)]))
    tags.save(str(path))
    return path


def write_sidecar(media: Path, meta: dict[str, Any]) -> Path:
    media.parent.mkdir(parents=True, exist_ok=True)
    if not media.exists():
        media.write_bytes(b"not tagged")
    sidecar = media.with_suffix(".json")
    sidecar.write_text(json.dumps(meta))
    return sidecar


def age(path: Path, seconds: float) -> None:
    """Move a file's mtime into the past."""
    st = path.stat()
    os.utime(path, (st.st_atime - seconds, st.st_mtime - seconds))


# --- containers Wan2GP tags with ffmpeg (shared/utils/video_metadata.py) ------------------------------------------

def _ffmpeg(*args: str) -> None:
    import subprocess

    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True, timeout=60)


def _tiny_video(path: Path) -> Path:
    """Five 16×16 frames: a real stream for the muxer to copy."""
    _ffmpeg("-f", "lavfi", "-i", "color=c=black:s=16x16:r=5:d=1", "-c:v", "ffv1", str(path))
    return path


def _ffmetadata_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\\n").replace("=", "\\=").replace(";", "\\;").replace("#", "\\#")


def write_mkv_ffmetadata(path: Path, meta: dict[str, Any], tag: str = "comment") -> Path:
    """As Wan2GP's save_metadata_to_mkv: the video copied with an ffmetadata file that sets ``comment``."""
    return write_mkv_tag(path, tag, json.dumps(meta, ensure_ascii=False, separators=(",", ":")))


def write_mkv_tag(path: Path, tag: str, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    source = _tiny_video(path.with_name(path.stem + "-raw" + path.suffix))
    ffmeta = path.with_name(path.stem + ".ffmeta")
    ffmeta.write_text(f";FFMETADATA1\n{tag}={_ffmetadata_escape(text)}\n", encoding="utf-8")
    _ffmpeg("-i", str(source), "-f", "ffmetadata", "-i", str(ffmeta), "-map", "0", "-map_metadata", "1",
            "-c", "copy", str(path))
    source.unlink()
    ffmeta.unlink()
    return path


def write_mkv_metadata_option(path: Path, meta: dict[str, Any]) -> Path:
    """As Wan2GP's older writer: ``ffmpeg -metadata comment=<json>``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source = _tiny_video(path.with_name(path.stem + "-raw" + path.suffix))
    _ffmpeg("-i", str(source), "-metadata", f"comment={json.dumps(meta)}", "-c", "copy", str(path))
    source.unlink()
    return path


def write_mkv_reserved(path: Path, meta: dict[str, Any] | None, reserved: int = 4096) -> Path:
    """As Wan2GP's in-place update: a placeholder padded with spaces is written first and its bytes are
    overwritten later (``None`` leaves the placeholder, as when the update never happened)."""
    placeholder = json.dumps({"_wangp_metadata_reserved": True}, separators=(",", ":"))
    padded = placeholder + " " * (reserved - len(placeholder))
    write_mkv_tag(path, "comment", padded)
    if meta is not None:
        data = bytearray(path.read_bytes())
        start = data.index(padded.encode())
        payload = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode()
        data[start:start + reserved] = payload + b" " * (reserved - len(payload))
        path.write_bytes(bytes(data))
    return path


def write_mkv_pyav(path: Path, meta: dict[str, Any]) -> Path:
    """A few frames written through PyAV with the settings in ``container.metadata['comment']``."""
    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="matroska") as container:
        container.metadata["comment"] = json.dumps(meta)
        stream = container.add_stream("ffv1", rate=5)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), dtype=np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path
