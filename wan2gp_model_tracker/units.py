"""Sizes as Wan2GP users read them; below every layer that writes a size into a message."""

from __future__ import annotations


def format_gb(size_bytes: int | None, estimate: bool = False, unknown: str = "?") -> str:
    """Decimal gigabytes as Wan2GP users read them; "~" marks an estimate."""
    if size_bytes is None:
        return unknown
    value = size_bytes / 1e9
    if value >= 0.1 or value == 0:
        text = f"{value:.1f} GB"
    elif size_bytes >= 1e6:
        text = f"{size_bytes / 1e6:.0f} MB"
    else:  # tokenizers and configs: "0 MB" would read as nothing
        text = f"{size_bytes / 1e3:.0f} KB" if size_bytes >= 1e3 else f"{size_bytes} bytes"
    return f"~{text}" if estimate and size_bytes else text
