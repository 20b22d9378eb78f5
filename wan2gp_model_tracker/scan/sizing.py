"""Sizes of weight files that are not on disk yet: parameters times bytes per parameter.

Figures for bytes per parameter follow MODEL_FACTS.md section 5 (quanto int8 and fp8 about one
byte, NVFP4 4.5 bits, GGUF levels by their bits per weight). A real file of another variant of
the same slot, when one is on disk, beats any of these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..records import FileRole

_PARAMS_RE = re.compile(r"(?<![a-z0-9.])a?(\d+(?:[._]\d)?)\s?b(?![a-z0-9])", re.IGNORECASE)

# Bytes per parameter by variant label (resolution.variant_label); "" means a 16-bit file.
BYTES_PER_PARAM: dict[str, float] = {
    "": 2.0, "bf16": 2.0, "fp16": 2.0,
    "int8": 1.0, "fp8": 1.0,
    "nvfp4": 0.5625, "fp4": 0.5625, "int4": 0.5625, "nf4": 0.5625,
    "GGUF Q8_0": 1.0625, "GGUF Q6_K": 0.82, "GGUF Q5_K": 0.69, "GGUF Q4_K_M": 0.6, "GGUF Q4_K": 0.56,
    "GGUF Q3_K": 0.43, "GGUF Q2_K": 0.33, "GGUF": 0.6,
}

# Text encoders by the folder Wan2GP keeps them in: parameter count in billions and what it is.
# Counts are the published sizes of these encoders (model names and their model cards).
TEXT_ENCODER_PARAMS: dict[str, tuple[float, str]] = {
    "umt5-xxl": (5.7, "umT5-XXL encoder"),
    "t5_xxl_1.1": (4.8, "T5-XXL 1.1 encoder"),
    "llava-llama-3-8b": (8.0, "LLaVA Llama 3 8B"),
    "qwen2.5-vl-7b-instruct": (8.3, "Qwen2.5-VL 7B"),
    "qwen3": (4.0, "Qwen3 4B"),
    "qwen3_8b": (8.2, "Qwen3 8B"),
    "qwen3-vl-8b-instruct": (8.8, "Qwen3-VL 8B"),
    "qwen3-vl-4b-instruct": (4.4, "Qwen3-VL 4B"),
    "mistral3small": (24.0, "Mistral 3 Small 24B"),
    "gemma-3-12b-it-qat-q4_0-unquantized": (12.2, "Gemma 3 12B"),
    "gemma4-12b-ltx-v1": (12.0, "Gemma 4 12B"),
    "umt5_base": (0.58, "umT5 base"),
    # MiniMax H3 loads Qwen3-VL-32B cut to its first 50 of 64 layers (minimax_h3_handler.py L16-17:
    # "Qwen3-VL-32B-Instruct-layer50"): about 25.8B parameters.
    "qwen3-vl-32b-instruct": (25.8, "Qwen3-VL 32B (50 layers)"),
}


@dataclass(frozen=True, slots=True)
class SizeEstimate:
    size_bytes: int | None
    basis: str


def params_from_text(*texts: str) -> float | None:
    """The first parameter count (in billions) written in any of the texts: "14B", "1.3B", "1_3B", "A14B"."""
    for text in texts:
        if not text:
            continue
        for match in _PARAMS_RE.finditer(text):
            value = float(match.group(1).replace("_", "."))
            if 0.05 <= value <= 1000:
                return value
    return None


def bytes_per_param(variant: str) -> float:
    return BYTES_PER_PARAM.get(variant, 2.0)


def estimate_file_size(
    filename: str,
    role: FileRole,
    variant: str,
    model_params_b: float | None,
    text_encoder_folder: str = "",
    sibling: tuple[str, str, int] | None = None,
) -> SizeEstimate:
    """Best guess of a missing file's size, with the reason for it.

    ``sibling`` is (filename, variant, size) of another variant of the same slot on disk.
    """
    bpp = bytes_per_param(variant)
    if sibling is not None:
        other_name, other_variant, other_size = sibling
        scaled = int(other_size * bpp / bytes_per_param(other_variant))
        change = f"{other_variant or '16-bit'} -> {variant or '16-bit'}"
        return SizeEstimate(scaled, f"scaled from {other_name} on disk ({change})")
    if role is FileRole.TEXT_ENCODER:
        known = TEXT_ENCODER_PARAMS.get(text_encoder_folder.lower())
        if known:
            params, label = known
            return SizeEstimate(int(params * 1e9 * bpp), f"{label}: {params:g}B parameters x {bpp:g} bytes")
    params = params_from_text(filename)
    if params is not None and role in (FileRole.TRANSFORMER, FileRole.TRANSFORMER2, FileRole.TEXT_ENCODER):
        return SizeEstimate(int(params * 1e9 * bpp), f"{params:g}B parameters (from the file name) x {bpp:g} bytes")
    if role in (FileRole.TRANSFORMER, FileRole.TRANSFORMER2) and model_params_b:
        return SizeEstimate(int(model_params_b * 1e9 * bpp), f"{model_params_b:g}B parameters x {bpp:g} bytes")
    return SizeEstimate(None, "size unknown until downloaded")
