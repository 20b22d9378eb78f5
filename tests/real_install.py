"""A Wan2GP folder with the 217 real definitions (../shared/wan2gp/catalog/defaults) and sparse weights for some
of them, so the tab shows every status: used by the browser tests on the real catalog, benchmarks/bench_ui.py and
docs/screenshot.py. Weights are sparse files: the folder takes almost no disk space whatever its sizes say.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from pathlib import Path

from wan2gp_model_tracker.catalog.demo import write_sparse_safetensors
from wan2gp_model_tracker.catalog.offline import OfflineCatalog
from wan2gp_model_tracker.model_analyzer import ModelAnalyzer
from wan2gp_model_tracker.scan.file_checks import HF_DOWNLOAD_CACHE

# ../shared next to the checkout; a worktree elsewhere names it in WAN2GP_REAL_CATALOG.
CATALOG_DIR = Path(os.environ.get("WAN2GP_REAL_CATALOG")
                   or Path(__file__).resolve().parents[2] / "shared" / "wan2gp" / "catalog" / "defaults")
# Models given every file (downloaded) or only their main file (partial), by model type, when the catalog has them.
DOWNLOADED = ("t2v", "t2v_2_2", "i2v_2_2", "ltxv_13B", "ltxv_distilled", "flux", "flux_schnell", "qwen_image_20B",
              "z_image", "hunyuan", "vace_14B", "chatterbox")
PARTIAL = ("i2v", "flux_dev_kontext", "ltx2_19B", "animate")
GB = 1_000_000_000
# What the scripts that drive the tab in Chromium share (benchmarks/bench_ui.py, docs/screenshot.py).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}
# The table's rows in view: Gradio 5 also renders a hidden sizing table, Gradio 6 a virtual grid.
ROWS = "#model-tracker-table table.table tbody tr, #model-tracker-table .virtual-row"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(scratch: Path, **extra: str) -> dict[str, str]:
    """The environment of a server that writes only below ``scratch`` (home, caches, the tracker's data) and stays
    offline."""
    home = scratch / "home"
    return {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"), "XDG_DATA_HOME": str(home / ".local" / "share"),
            "HF_HOME": str(home / "hf"), "WAN2GP_TRACKER_DATA": str(scratch / "data"), "HF_HUB_OFFLINE": "1",
            "WAN2GP_TRACKER_NO_NETWORK": "1", **extra}


def build_real_install(root: Path, catalog: Path = CATALOG_DIR) -> Path:
    """The folder at ``root``: the real definitions, weights for DOWNLOADED and PARTIAL models, another
    quantization of two downloaded models (for the cleanup panel) and an abandoned partial download."""
    if not catalog.is_dir():
        raise FileNotFoundError(f"the real Wan2GP catalog is not at {catalog}")
    (root / "defaults").mkdir(parents=True)
    (root / "wgp.py").write_text("# stand-in for Wan2GP's main module\n")
    (root / "wgp_config.json").write_text(json.dumps({"checkpoints_paths": ["ckpts", "."],
                                                      "transformer_quantization": "int8"}))
    for path in catalog.glob("*.json"):
        shutil.copy(path, root / "defaults" / path.name)
    inventory = ModelAnalyzer(OfflineCatalog(str(root), bf16_supported=True)).scan()
    size = 0
    for model in inventory.models:
        if model.model_type not in DOWNLOADED + PARTIAL:
            continue
        files = model.files if model.model_type in DOWNLOADED else model.files[:1]
        for record in files:
            if not os.path.exists(record.path) and not record.path.endswith(os.sep):
                size += 1
                write_sparse_safetensors(record.path, (record.size_bytes or 2 * GB) + size)
    for variant in ("ckpts/wan2.1_text2video_14B_mbf16.safetensors", "ckpts/flux1-dev_bf16.safetensors"):
        write_sparse_safetensors(str(root / variant), 16 * GB)
    partial = root / "ckpts" / HF_DOWNLOAD_CACHE / "0123abcd.incomplete"
    partial.parent.mkdir(parents=True, exist_ok=True)
    with open(partial, "wb") as fh:
        fh.truncate(2 * GB)
    old = time.time() - 3 * 86400
    os.utime(partial, (old, old))
    return root
