"""Where huggingface_hub keeps a download in progress under ``local_dir`` (as Wan2GP downloads): its lock and
partial files in ``<local_dir>/.cache/huggingface/download/``."""

from __future__ import annotations

import base64
import hashlib
import os

HF_DOWNLOAD_CACHE = os.path.join(".cache", "huggingface", "download")


def hub_short_hash(name: str) -> str:
    # huggingface_hub >= 0.25 names the partial file after a hash of "<file>.metadata".
    return base64.urlsafe_b64encode(hashlib.sha1(name.encode("utf-8", "surrogatepass")).digest()).decode()


def hub_incomplete_name(filename: str, etag: str) -> str:
    """The name current huggingface_hub releases give a partial download of ``filename``."""
    return f"{hub_short_hash(filename + '.metadata')}.{etag}.incomplete"
