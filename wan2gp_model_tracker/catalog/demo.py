"""A small Wan2GP-shaped catalog and checkpoint folder, for trying the tracker without Wan2GP.

The definitions follow the shapes of the real catalog (single files, two experts, modules,
string references, a shared text encoder, an alternate folder, built-in LoRAs). The weight
files are sparse: they report real-looking sizes but take almost no disk space.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import struct
import tempfile
from dataclasses import replace

from ..hub.local_dir import HF_DOWNLOAD_CACHE, hub_incomplete_name
from .base import CatalogState
from .offline import OfflineCatalog

_HF = "https://huggingface.co/DeepBeepMeep"


def _urls(repo: str, *names: str) -> list[str]:
    return [f"{_HF}/{repo}/resolve/main/{name}" for name in names]


_UMT5 = _urls("Wan2.1", "umt5-xxl/models_t5_umt5-xxl-enc-bf16.safetensors",
              "umt5-xxl/models_t5_umt5-xxl-enc-quanto_int8.safetensors")

DEMO_DEFINITIONS: dict[str, dict] = {
    "t2v": {"model": {
        "name": "Wan2.1 Text2video 14B", "architecture": "t2v",
        "description": "Wan 2.1 text-to-video base model; many other models reuse its weights.",
        "URLs": _urls("Wan2.1", "wan2.1_text2video_14B_mbf16.safetensors",
                      "wan2.1_text2video_14B_quanto_mbf16_int8.safetensors",
                      "wan2.1_text2video_14B_quanto_mfp16_int8.safetensors"),
        "text_encoder_URLs": _UMT5, "text_encoder_folder": "umt5-xxl"},
        "num_inference_steps": 30, "resolution": "832x480", "video_length": 81},
    "t2v_1.3B": {"model": {
        "name": "Wan2.1 Text2video 1.3B", "architecture": "t2v_1.3B",
        "description": "The small Wan 2.1 text-to-video model, for GPUs with little memory.",
        "URLs": _urls("Wan2.1", "wan2.1_text2video_1.3B_mbf16.safetensors"),
        "text_encoder_URLs": _UMT5, "text_encoder_folder": "umt5-xxl"}},
    "vace_14B": {"model": {
        "name": "Vace 14B", "architecture": "vace_14B",
        "description": "Controlled video generation (pose, depth, reference images) on top of Wan 2.1 14B.",
        "URLs": "t2v",
        "modules": [_urls("Wan2.1", "wan2.1_Vace_14B_module_mbf16.safetensors",
                          "wan2.1_Vace_14B_module_quanto_mbf16_int8.safetensors")],
        "text_encoder_URLs": _UMT5, "text_encoder_folder": "umt5-xxl"}},
    "vace_1.3B": {"model": {
        "name": "Vace 1.3B", "architecture": "vace_1.3B",
        "description": "Vace control on the 1.3B model.",
        "URLs": "t2v_1.3B",
        "modules": [_urls("Wan2.1", "wan2.1_Vace_1_3B_module.safetensors")],
        "text_encoder_URLs": _UMT5, "text_encoder_folder": "umt5-xxl"}},
    "i2v": {"model": {
        "name": "Wan2.1 Image2video 480p 14B", "architecture": "i2v",
        "description": "Animates a start image at 480p.",
        "URLs": _urls("Wan2.1", "wan2.1_image2video_480p_14B_mbf16.safetensors",
                      "wan2.1_image2video_480p_14B_quanto_mbf16_int8.safetensors"),
        "text_encoder_URLs": _UMT5, "text_encoder_folder": "umt5-xxl"}},
    "t2v_2_2": {"model": {
        "name": "Wan2.2 Text2video 14B", "architecture": "t2v_2_2", "group": "wan2_2",
        "description": "Wan 2.2 with a high-noise and a low-noise expert.",
        "URLs": _urls("Wan2.2", "wan2.2_text2video_14B_high_mbf16.safetensors",
                      "wan2.2_text2video_14B_high_quanto_mbf16_int8.safetensors"),
        "URLs2": _urls("Wan2.2", "wan2.2_text2video_14B_low_mbf16.safetensors",
                       "wan2.2_text2video_14B_low_quanto_mbf16_int8.safetensors"),
        "text_encoder_URLs": _UMT5, "text_encoder_folder": "umt5-xxl"},
        "num_inference_steps": 30, "guidance_phases": 2},
    "i2v_2_2": {"model": {
        "name": "Wan2.2 Image2video 14B", "architecture": "i2v_2_2", "group": "wan2_2",
        "description": "Wan 2.2 image-to-video with two experts.",
        "URLs": _urls("Wan2.2", "wan2.2_image2video_14B_high_mbf16.safetensors",
                      "wan2.2_image2video_14B_high_quanto_mbf16_int8.safetensors"),
        "URLs2": _urls("Wan2.2", "wan2.2_image2video_14B_low_mbf16.safetensors",
                       "wan2.2_image2video_14B_low_quanto_mbf16_int8.safetensors"),
        "text_encoder_URLs": _UMT5, "text_encoder_folder": "umt5-xxl"}},
    "ti2v_2_2": {"model": {
        "name": "Wan2.2 TextImage2video 5B", "architecture": "ti2v_2_2", "group": "wan2_2",
        "description": "The 5B Wan 2.2 model for 720p text- or image-to-video.",
        "URLs": _urls("Wan2.2", "wan2.2_text2video_5B_mbf16.safetensors",
                      "wan2.2_text2video_5B_quanto_mbf16_int8.safetensors"),
        "text_encoder_URLs": _UMT5, "text_encoder_folder": "umt5-xxl"},
        "num_inference_steps": 50, "resolution": "1280x720", "video_length": 121},
    "alpha": {"model": {
        "name": "Wan2.1 Alpha 14B", "architecture": "alpha",
        "description": "Videos with a transparency channel, built on Wan 2.1 14B.",
        "URLs": "t2v",
        "preload_URLs": _urls("Wan2.1", "wan_alpha_2.1_vae_rgb_channel.safetensors",
                              "wan_alpha_2.1_vae_alpha_channel.safetensors"),
        "loras": _urls("Wan2.1", "wan_alpha_2.1_dora.safetensors"),
        "text_encoder_URLs": _UMT5, "text_encoder_folder": "umt5-xxl"}},
    "ltx2_distilled": {"model": {
        "name": "LTX-2 2.0 Distilled 19B", "architecture": "ltx2_19B",
        "description": "Video with a soundtrack in 8 steps.",
        "URLs": _urls("LTX-2", "ltx-2-19b-distilled_diffusion_model.safetensors",
                      "ltx-2-19b-distilled-fp8_diffusion_model.safetensors")},
        "num_inference_steps": 8},
    "hunyuan_1_5_t2v": {"model": {
        "name": "Hunyuan Video 1.5 T2V 720p 8B", "architecture": "hunyuan_1_5_t2v",
        "description": "Hunyuan Video 1.5 text-to-video at 720p.",
        "URLs": _urls("HunyuanVideo1.5", "hunyuan_video_1.5_720_t2v_bf16.safetensors",
                      "hunyuan_video_1.5_720_t2v_quanto_bf16_int8.safetensors")}},
    "flux": {"model": {
        "name": "Flux 1 Dev 12B", "architecture": "flux", "image_outputs": True,
        "description": "Flux 1 Dev text-to-image.",
        "URLs": _urls("Flux", "flux1-dev_bf16.safetensors", "flux1-dev_quanto_bf16_int8.safetensors")},
        "num_inference_steps": 30},
    "flux_schnell": {"model": {
        "name": "Flux 1 Schnell 12B", "architecture": "flux_schnell", "image_outputs": True,
        "description": "Flux 1 Schnell: text-to-image in a few steps.",
        "URLs": _urls("Flux", "flux1-schnell_bf16.safetensors", "flux1-schnell_quanto_bf16_int8.safetensors")},
        "num_inference_steps": 10},
    "qwen_image_20B": {"model": {
        "name": "Qwen Image 20B", "architecture": "qwen_image_20B", "image_outputs": True,
        "description": "Qwen Image: renders long text inside images.",
        "URLs": _urls("Qwen_image", "qwen_image_20B_bf16.safetensors", "qwen_image_20B_quanto_bf16_int8.safetensors")}},
    "z_image": {"model": {
        "name": "Z-Image Turbo 6B", "architecture": "z_image",
        "description": "Fast 8-step text-to-image.",
        "URLs": _urls("Z-Image", "ZImageTurbo_bf16.safetensors", "ZImageTurbo_quanto_bf16_int8.safetensors")},
        "num_inference_steps": 8},
    "chatterbox": {"model": {
        "name": "TTS Chatterbox Multilingual", "architecture": "chatterbox",
        "description": "Multilingual text-to-speech with voice cloning.",
        "URLs": [f"{_HF}/TTS/resolve/main/t3_mtl23ls_v2.safetensors|chatterbox"]}},
}

# What the demo checkpoint folder holds: (path under the Wan2GP folder, size, how to write it).
_DEMO_FILES: list[tuple[str, int, str]] = [
    ("ckpts/wan2.1_text2video_14B_quanto_mbf16_int8.safetensors", 15_300_000_000, "ok"),
    ("ckpts/umt5-xxl/models_t5_umt5-xxl-enc-quanto_int8.safetensors", 6_730_000_000, "ok"),
    ("ckpts/wan2.1_text2video_1.3B_mbf16.safetensors", 2_840_000_000, "ok"),
    ("ckpts/wan2.1_Vace_1_3B_module.safetensors", 1_460_000_000, "ok"),
    ("ckpts/wan2.1_image2video_480p_14B_mbf16.safetensors", 32_800_000_000, "ok"),
    ("ckpts/wan2.2_text2video_14B_high_quanto_mbf16_int8.safetensors", 15_300_000_000, "ok"),
    ("ckpts/wan_alpha_2.1_vae_rgb_channel.safetensors", 254_000_000, "ok"),
    ("ckpts/wan_alpha_2.1_vae_alpha_channel.safetensors", 254_000_000, "ok"),
    ("ckpts/flux1-dev_quanto_bf16_int8.safetensors", 12_100_000_000, "truncated"),
    ("ckpts/ZImageTurbo_quanto_bf16_int8.safetensors", 6_300_000_000, "ok"),
    ("ckpts/chatterbox/t3_mtl23ls_v2.safetensors", 2_140_000_000, "ok"),
    ("ckpts/wan2.2_text2video_5B_quanto_mbf16_int8.safetensors", 2_100_000_000, "incomplete"),
]
_DEMO_CONFIG = {"checkpoints_paths": ["ckpts", "."], "transformer_quantization": "int8",
                "text_encoder_quantization": "int8", "transformer_dtype_policy": ""}


def write_sparse_safetensors(path: str, size: int, promised: int | None = None) -> None:
    """A valid safetensors header followed by a hole, so the file reports ``size`` bytes.

    With ``promised`` larger than ``size`` the header describes more data than the file holds,
    as a download cut short would.
    """
    total = promised or size
    data_len = total
    for _ in range(3):  # the header length depends on the digits of the data length
        header = json.dumps({"weight": {"dtype": "U8", "shape": [data_len], "data_offsets": [0, data_len]}}).encode()
        header += b" " * (-len(header) % 8)
        data_len = total - 8 - len(header)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(header)))
        fh.write(header)
        fh.truncate(size)


def materialize_demo(folder: str) -> str:
    """Write the demo catalog, config and sparse checkpoint files under ``folder``."""
    os.makedirs(os.path.join(folder, "defaults"), exist_ok=True)
    for model_type, definition in DEMO_DEFINITIONS.items():
        with open(os.path.join(folder, "defaults", f"{model_type}.json"), "w", encoding="utf-8") as fh:
            json.dump(definition, fh, indent=1)
    with open(os.path.join(folder, "wgp_config.json"), "w", encoding="utf-8") as fh:
        json.dump(_DEMO_CONFIG, fh, indent=1)
    os.makedirs(os.path.join(folder, "loras", "wan"), exist_ok=True)
    for rel, size, how in _DEMO_FILES:
        path = os.path.join(folder, rel)
        if how == "ok":
            write_sparse_safetensors(path, size)
        elif how == "truncated":
            write_sparse_safetensors(path, size, promised=size + 1_900_000_000)
        else:
            root, name = os.path.split(path)
            partial = os.path.join(root, HF_DOWNLOAD_CACHE, hub_incomplete_name(name, "3f1c0c7e"))
            os.makedirs(os.path.dirname(partial), exist_ok=True)
            with open(partial, "wb") as fh:
                fh.truncate(size)
            # An hour old: an abandoned download, not one in flight.
            os.utime(partial, (os.path.getmtime(partial) - 3600,) * 2)
    return folder


class DemoCatalog:
    """The demo catalog, materialized once per process in a temporary folder."""

    kind = "demo"

    def __init__(self, folder: str | None = None) -> None:
        if folder is None:
            folder = tempfile.mkdtemp(prefix="wan2gp-tracker-demo-")
            atexit.register(shutil.rmtree, folder, True)
        self.folder = materialize_demo(folder)
        # The demo's definitions name every file themselves: no handler adds any.
        self._offline = OfflineCatalog(self.folder, bf16_supported=True, use_snapshot=False, use_handler_table=False)

    def load(self) -> CatalogState:
        state = self._offline.load()
        settings = replace(state.settings, source="demo",
                           source_detail=f"built-in demo catalog in {self.folder} (sparse placeholder files)")
        warnings = tuple(w for w in state.warnings if w.source != "offline")
        # The demo's definitions name every file themselves: no handler adds any, no shared tools are involved.
        return replace(state, settings=settings, warnings=warnings, handler_defs=lambda model_type, model_def: [],
                       shared_defs=None, runtime_files_unseen=lambda model_type, model_def: False)
