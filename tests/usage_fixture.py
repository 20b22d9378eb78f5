"""A Wan2GP folder where two models share a text encoder, with leftovers of every kind a cleanup handles."""

from __future__ import annotations

import os

from wan2gp_fixture import url

from wan2gp_model_tracker.hub.local_dir import HF_DOWNLOAD_CACHE

TE = {"text_encoder_URLs": [url("umt5-xxl/umt5_bf16.safetensors"), url("umt5-xxl/umt5_quanto_int8.safetensors")],
      "text_encoder_folder": "umt5-xxl"}
SIZES = {"t2v": 4_000_000, "i2v": 5_000_000, "te": 3_000_000, "t2v16": 8_000_000, "old": 1_000_000,
         "vae": 500_000, "lora": 200_000, "partial": 700_000}


def build_tree(wan):
    """Two Wan models sharing the int8 text encoder, a bf16 copy of one, an orphan, a VAE, a LoRA, a partial."""
    wan.config(transformer_quantization="int8", text_encoder_quantization="int8")
    wan.default("t2v", URLs=[url("t2v_mbf16.safetensors"), url("t2v_quanto_mbf16_int8.safetensors")], **TE)
    wan.default("i2v", URLs=[url("i2v_mbf16.safetensors"), url("i2v_quanto_mbf16_int8.safetensors")], **TE)
    wan.default("flf", URLs=[url("flf_quanto_mbf16_int8.safetensors")], **TE)
    wan.weight("ckpts/t2v_quanto_mbf16_int8.safetensors", SIZES["t2v"])
    wan.weight("ckpts/i2v_quanto_mbf16_int8.safetensors", SIZES["i2v"])
    wan.weight("ckpts/umt5-xxl/umt5_quanto_int8.safetensors", SIZES["te"])
    wan.weight("ckpts/t2v_mbf16.safetensors", SIZES["t2v16"])
    wan.weight("ckpts/wan2.0_old_renamed.safetensors", SIZES["old"])
    wan.weight("ckpts/Wan2.1_VAE.safetensors", SIZES["vae"])
    wan.weight("loras/wan/my_style.safetensors", SIZES["lora"])
    partial = wan.root / "ckpts" / HF_DOWNLOAD_CACHE / "abc.etag.incomplete"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"\0" * SIZES["partial"])
    os.utime(partial, (partial.stat().st_mtime - 7200,) * 2)
    return wan
