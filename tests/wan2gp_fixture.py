"""Builds small Wan2GP-like install folders for tests: definitions, config, sparse weights."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wan2gp_model_tracker.catalog_offline import OfflineCatalog
from wan2gp_model_tracker.demo_catalog import write_sparse_safetensors
from wan2gp_model_tracker.model_analyzer import ModelAnalyzer
from wan2gp_model_tracker.records import Inventory

HF = "https://huggingface.co/DeepBeepMeep/Test/resolve/main"


def url(name: str) -> str:
    return f"{HF}/{name}"


class WanFolder:
    """A temporary Wan2GP folder: ``defaults/``, ``finetunes/``, ``wgp_config.json`` and ``ckpts/``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "defaults").mkdir(parents=True, exist_ok=True)
        (root / "ckpts").mkdir(exist_ok=True)
        (root / "wgp.py").write_text("# stand-in\n")

    def default(self, model_type: str, settings: dict[str, Any] | None = None, **model: Any) -> Path:
        model.setdefault("name", model_type)
        model.setdefault("architecture", model_type)
        model.setdefault("description", "")
        path = self.root / "defaults" / f"{model_type}.json"
        path.write_text(json.dumps({"model": model, **(settings or {})}))
        return path

    def finetune(self, model_type: str, content: Any) -> Path:
        folder = self.root / "finetunes"
        folder.mkdir(exist_ok=True)
        path = folder / f"{model_type}.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return path

    def config(self, **keys: Any) -> None:
        (self.root / "wgp_config.json").write_text(json.dumps(keys))

    def weight(self, rel: str, size: int = 4096) -> Path:
        """A valid, sparse safetensors file at ``rel`` (relative to the Wan2GP folder)."""
        path = self.root / rel
        write_sparse_safetensors(str(path), size)
        return path

    def catalog(self, bf16: bool = True, **kwargs: Any) -> OfflineCatalog:
        return OfflineCatalog(str(self.root), bf16_supported=bf16, **kwargs)

    def analyzer(self, bf16: bool = True) -> ModelAnalyzer:
        return ModelAnalyzer(self.catalog(bf16))

    def scan(self, bf16: bool = True) -> Inventory:
        return self.analyzer(bf16).scan()
