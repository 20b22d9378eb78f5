"""What the estimator reads from one Wan2GP definition: size, file variant, workload, text encoder, tasks.

Each item says how it was found (the name, the architecture, a file name, the description, or an
assumption), so the estimate built on it can say so too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..catalog.families import family_info
from ..catalog.resolution import DefinitionError, entry_basename, pick_variant, recursive_prop, variant_label
from ..scan.sizing import TEXT_ENCODER_PARAMS, params_from_text
from .workload import Workload, read_workload

# Text encoder folders per family and architecture, as the family handlers set them (HOST.md 4.3).
_FAMILY_TEXT_ENCODER = {
    "wan": "umt5-xxl", "wan2_2": "umt5-xxl", "longcat": "umt5-xxl", "magi_human": "umt5-xxl",
    "hunyuan": "llava-llama-3-8b", "hunyuan_1_5": "qwen2.5-vl-7b-instruct", "kandinsky5": "qwen2.5-vl-7b-instruct",
    "qwen": "qwen2.5-vl-7b-instruct", "ltxv": "t5_xxl_1.1", "ltx2": "gemma-3-12b-it-qat-q4_0-unquantized",
    "flux": "t5_xxl_1.1", "flux2": "mistral3small", "z_image": "qwen3", "ideogram4": "qwen3-vl-8b-instruct",
    "krea2": "qwen3-vl-4b-instruct", "minimax_h3": "qwen3-vl-32b-instruct",
}
_ARCHITECTURE_TEXT_ENCODER = {
    "ltx2_25_22B": "gemma4-12b-ltx-v1", "flux2_klein_4b": "qwen3", "flux2_klein_9b": "qwen3_8b",
    "ace_step_v1": "umt5_base",
}

# Parameter counts assumed when neither the definition nor a curated entry gives one.
_OUTPUT_DEFAULT_PARAMS_B = {"video": 14.0, "image": 12.0, "audio": 1.0}

# Task keywords, matched against the model type, architecture and name (lower case).
_TASK_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("audio", "speech", ("tts", "speech", "voice", "chatterbox")),
    ("audio", "music", ("music", "song", "ace_step", "heartmula")),
    ("audio", "sound effects", ("sfx", "sound effect", "foley")),
    ("image", "image editing", ("edit", "kontext", "umo", "uso", "dreamomni", "layered")),
    ("image", "controlled image", ("control",)),
    ("video", "video editing", ("edit", "lucy", "ditto", "kiwi")),
    ("video", "talking avatar", ("multitalk", "infinitetalk", "fantasy", "avatar", "talk")),
    ("video", "controlled video", ("vace", "animate", "steadydancer", "scail", "wanmove", "recam", "phantom",
                                   "standin", "lynx", "mocha", "bernini", "vista4d", "shotplan")),
    ("video", "transparent video", ("alpha",)),
    ("video", "upscaling", ("upsampler", "sr1080")),
    ("video", "image-to-video", ("i2v", "image2video", "flf2v", "fun_inp", "fl2va", "ref2va")),
    ("video", "text-to-video", ("t2v", "text2video", "textimage2video")),
)
_DEFAULT_TASK = {"video": "text-to-video", "image": "text-to-image", "audio": "audio"}
# Image generators that also edit (Flux 2 Klein: Wan2GP changelog L456, 20 Jan 2026); others say so
# in their description.
_ALSO_EDITS = ("klein",)
_EDIT_WORDS = re.compile(r"\bedit(s|ing)?\b")


@dataclass(frozen=True, slots=True)
class DefinitionFacts:
    """What the estimator reads from one definition, with how each item was found."""

    model_type: str
    name: str
    architecture: str
    family: str
    output_type: str
    description: str
    params_b: float
    params_basis: str
    params_from_definition: bool
    experts: int
    variant: str
    variant_basis: str
    width: int
    height: int
    frames: int
    steps: int
    passes: int
    distilled: bool
    text_encoder: tuple[str, float] | None
    tasks: tuple[str, ...]
    batch: int = 1
    workload_notes: tuple[str, ...] = ()


def definition_from_file(data: Mapping[str, Any]) -> dict[str, Any]:
    """A definition as the host holds it: the ``model`` object with the file's other keys under ``settings``."""
    model = dict(data.get("model") or {})
    model["settings"] = {k: v for k, v in data.items() if k != "model"}
    return model


def derive_tasks(model_type: str, name: str, architecture: str, output_type: str,
                 description: str = "") -> tuple[str, ...]:
    """The tasks a model serves, most specific first, from its identifiers, name and description."""
    text = f"{model_type} {architecture} {name}".lower()
    tasks = [task for output, task, words in _TASK_RULES
             if output == output_type and any(word in text for word in words)]
    if not tasks:
        tasks.append(_DEFAULT_TASK.get(output_type, "text-to-video"))
    if output_type == "image" and "image editing" not in tasks and (
            any(word in text for word in _ALSO_EDITS) or _EDIT_WORDS.search(description.lower())):
        tasks.append("image editing")
    return tuple(tasks)


def read_definition(
    model_def: Mapping[str, Any] | None,
    model_type: str = "",
    *,
    variant: str | None = None,
    experts: int | None = None,
    params: tuple[float, str] | None = None,
    params_hint: tuple[float, str] | None = None,
    quantization: str = "int8",
    catalog: Mapping[str, dict] | None = None,
) -> DefinitionFacts:
    """Collect the estimator's inputs from a definition.

    ``variant``, ``experts`` and ``params`` (billions, basis) override what the definition
    implies: a scan knows which file Wan2GP picked, a curated entry knows the published size.
    ``params_hint`` is used only when the definition names no size; ``catalog`` lets string
    references in ``URLs`` be followed.
    """
    model_def = model_def or {}
    architecture = str(model_def.get("architecture") or model_type)
    model_type = model_type or architecture
    name = str(model_def.get("name") or model_type)
    description = str(model_def.get("description") or "")
    info = family_info(architecture, dict(model_def))
    urls = _url_list(model_def, model_type, catalog)

    if params is not None:
        (params_b, params_basis), from_def = params, True
    else:
        params_b, params_basis, from_def = _params(name, architecture, urls, description, info.output_type, params_hint)
    if variant is None:
        variant, variant_basis = _variant(urls, name, quantization)
    else:
        variant_basis = "the file Wan2GP loads"
    workload = read_workload(model_def, model_type, architecture, info.family, info.output_type, name)
    return DefinitionFacts(
        model_type=model_type, name=name, architecture=architecture, family=info.family,
        output_type=info.output_type, description=description, params_b=params_b, params_basis=params_basis,
        params_from_definition=from_def, experts=experts or workload.experts,
        variant=variant, variant_basis=variant_basis, width=workload.width, height=workload.height,
        frames=max(workload.frames, 1) if info.output_type != "audio" else 1, steps=workload.steps,
        passes=workload.passes, distilled=workload.distilled,
        text_encoder=_text_encoder(model_def, architecture, info.family),
        tasks=derive_tasks(model_type, name, architecture, info.output_type, description),
        batch=workload.batch, workload_notes=workload.notes,
    )


def workload_of(facts: DefinitionFacts) -> Workload:
    """The facts' workload as the memory model takes it."""
    return Workload(width=facts.width, height=facts.height, frames=0 if facts.output_type == "audio" else facts.frames,
                    steps=facts.steps, passes=facts.passes, guidance_phases=1, batch=facts.batch,
                    experts=facts.experts, distilled=facts.distilled, notes=facts.workload_notes)


def _url_list(model_def: Mapping[str, Any], model_type: str, catalog: Mapping[str, dict] | None) -> list[str]:
    urls = model_def.get("URLs")
    if isinstance(urls, str) and catalog is not None and model_type in catalog:
        try:
            urls = recursive_prop(catalog, model_type, "URLs")
        except DefinitionError:
            return []
    return [u for u in urls if isinstance(u, str)] if isinstance(urls, list) else []


def _params(name: str, architecture: str, urls: list[str], description: str, output_type: str,
            hint: tuple[float, str] | None) -> tuple[float, str, bool]:
    # Wan2GP names end with the size ("... LM_0.6B 2B"), so the last size in the name is the model's.
    for label, texts in (("the name", reversed(name.split())), ("the architecture", [architecture]),
                         ("the file name", [entry_basename(u) for u in urls]), ("the description", [description])):
        found = params_from_text(*texts)
        if found is not None:
            return found, f"{found:g}B from {label}", True
    if hint is not None:
        return hint[0], hint[1], False
    default = _OUTPUT_DEFAULT_PARAMS_B.get(output_type, _OUTPUT_DEFAULT_PARAMS_B["video"])
    return default, f"size not stated, {default:g}B assumed for a {output_type} model", False


def _variant(urls: list[str], name: str, quantization: str) -> tuple[str, str]:
    if urls:
        picked = pick_variant(urls, quantization, "bf16")
        return variant_label(picked), f"the file Wan2GP picks with transformer_quantization={quantization}"
    lowered = name.lower()
    # variant_label reads file names; a GGUF definition's name carries the level but not the extension.
    from_name = variant_label(lowered.replace(" ", "_") + (".gguf" if "gguf" in lowered else ""))
    if from_name:
        return from_name, "from the name"
    assumed = quantization if quantization in ("int8", "fp8") else ""
    return assumed, f"assumed {assumed or '16-bit'} (file list defined by another model)"


def _text_encoder(model_def: Mapping[str, Any], architecture: str, family: str) -> tuple[str, float] | None:
    folder = model_def.get("text_encoder_folder")
    if not isinstance(folder, str) or folder.lower() not in TEXT_ENCODER_PARAMS:
        folder = _ARCHITECTURE_TEXT_ENCODER.get(architecture) or _FAMILY_TEXT_ENCODER.get(family)
    if not folder:
        return None
    params, label = TEXT_ENCODER_PARAMS[folder.lower()]
    return label, params
