"""Builds small Wan2GP-like install folders for tests: definitions, config, sparse weights."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

from wan2gp_model_tracker.catalog.demo import write_sparse_safetensors
from wan2gp_model_tracker.catalog.handler_files import has_builtin_handler
from wan2gp_model_tracker.catalog.offline import OfflineCatalog
from wan2gp_model_tracker.model_analyzer import ModelAnalyzer
from wan2gp_model_tracker.records import Inventory

HF = "https://huggingface.co/DeepBeepMeep/Test/resolve/main"
# A real architecture whose handler adds no text encoder or other file the status rule checks (handler_files).
NEUTRAL_ARCHITECTURE = "hidream_o1"


def url(name: str) -> str:
    return f"{HF}/{name}"


# Wan2.1 t2v as Wan2GP holds it at run time: the family handler has added the text encoder.
LIVE_T2V = {"name": "Wan2.1 Text2video 14B", "architecture": "t2v", "path": "defaults/t2v.json",
            "URLs": [url("t2v_mbf16.safetensors"), url("t2v_quanto_mbf16_int8.safetensors")],
            "text_encoder_URLs": [url("umt5-xxl/umt5_bf16.safetensors"), url("umt5-xxl/umt5_quanto_int8.safetensors")],
            "text_encoder_folder": "umt5-xxl",
            "metadata": {"main_output": "video"}}


def fake_fl(roots: list[str]) -> types.SimpleNamespace:
    """The host's files locator, as far as the tracker reads it."""
    return types.SimpleNamespace(_checkpoints_paths=list(roots))


def wgp_module() -> types.ModuleType:
    """A stand-in for Wan2GP's own module (``sys.modules["wgp"]``) with one model and default settings."""
    module = types.ModuleType("wgp")
    module.models_def = {"t2v": dict(LIVE_T2V)}
    module.server_config = {"transformer_quantization": "int8"}
    module.text_encoder_quantization = "int8"
    module.fl = fake_fl(["ckpts", "."])
    module.WanGP_version = "12.60"
    module.bfloat16_supported = True
    return module


class WanFolder:
    """A temporary Wan2GP folder: ``defaults/``, ``finetunes/``, ``wgp_config.json`` and ``ckpts/``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "defaults").mkdir(parents=True, exist_ok=True)
        (root / "ckpts").mkdir(exist_ok=True)
        (root / "wgp.py").write_text("# stand-in\n")

    def default(self, model_type: str, settings: dict[str, Any] | None = None, **model: Any) -> Path:
        model.setdefault("name", model_type)
        # Wan2GP hides a definition no handler supports; an invented id gets an architecture whose handler adds no
        # file of its own, so that a test sees only the files it wrote.
        model.setdefault("architecture", model_type if has_builtin_handler(model_type) else NEUTRAL_ARCHITECTURE)
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
