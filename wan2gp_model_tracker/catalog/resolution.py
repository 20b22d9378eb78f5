"""Wan2GP's rules for turning a model definition into file names, without touching the disk.

Each function mirrors one host rule (HOST.md section 5): string references between models,
the quantization/dtype variant pick, module lists and the ``url|folder`` entry syntax.
Anything the host would raise on becomes a DefinitionError with a readable message.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
from collections.abc import Mapping
from typing import Any

from ..fileio import path_problem

MAX_REFERENCE_DEPTH = 10
LORA_DIR_TOKEN = "%lora_dir"


class DefinitionError(Exception):
    """A definition Wan2GP could not resolve; the message is meant for the user."""


class UnresolvableReference(DefinitionError):
    """A circular, too long or dangling reference to another model: Wan2GP raises, so it cannot load the model."""


def recursive_prop(
    defs: Mapping[str, dict], model_type: str, prop: str, sub_prop_name: str | None = None
) -> Any:
    """``get_model_recursive_prop``: a property, following string references to other models."""
    chain: list[str] = [model_type]
    current = model_type
    while True:
        model_def = defs.get(current)
        if model_def is None:
            if current == model_type:
                raise UnresolvableReference(f"unknown model type {current!r}")
            raise UnresolvableReference(f"{prop} of {chain[-2]!r} refers to unknown model {current!r}")
        value = model_def.get(prop)
        if value is None:
            return []
        if sub_prop_name == "_list":
            if not isinstance(value, list) or len(value) != 1:
                raise DefinitionError(
                    f"{prop} of {current!r} must be a one-item list to be used as a module id"
                )
            value = value[0]
        elif sub_prop_name is not None:
            if not isinstance(value, dict) or sub_prop_name not in value:
                raise DefinitionError(f"{prop} of {current!r} has no entry {sub_prop_name!r}")
            value = value[sub_prop_name]
        if not isinstance(value, str):
            return value
        _check_hop(prop, chain, value)
        chain.append(value)
        current = value


def _check_hop(prop: str, chain: list[str], target: str) -> None:
    """Raise where Wan2GP raises before following one more string reference.

    How the host counts (HOST.md section 5.1): ``get_model_recursive_prop`` and
    ``get_model_filename`` each start with an empty ``stack``, test ``len(stack) > 10`` before
    following a string, then recurse with ``stack + [target]``. After k hops the stack holds k
    names, so hops 1 to 11 are followed and the 12th raises "Circular Reference": a chain of 12
    definitions resolves, a chain of 13 does not. ``chain`` here also holds the starting model,
    hence ``len(chain) - 1`` hops so far. A real cycle raises in the host too, after going round.
    """
    hops = len(chain) - 1
    if target in chain:
        raise UnresolvableReference(f"circular reference in {prop}: {' -> '.join(chain + [target])}")
    if hops > MAX_REFERENCE_DEPTH:
        raise UnresolvableReference(
            f"{prop} reference chain is longer than the {MAX_REFERENCE_DEPTH + 1} hops Wan2GP follows "
            f"(Wan2GP reports it as a circular reference): {' -> '.join(chain + [target])}")


def transformer_dtype(defs: Mapping[str, dict], model_type: str, policy: str, bf16_supported: bool) -> str:
    """``get_transformer_dtype`` as a name: the base definition's ``dtype`` wins over the policy."""
    model_def = defs.get(model_type) or {}
    base_def = defs.get(model_def.get("architecture", model_type)) or model_def
    forced = base_def.get("dtype")
    if forced:
        return "fp16" if forced == "fp16" else "bf16"
    if policy == "":
        return "bf16" if bf16_supported else "fp16"
    return "fp16" if policy == "fp16" else "bf16"


def quantization_tokens(quantization: str) -> list[str]:
    """Name tokens the host looks for, in preference order, for a quantization setting."""
    if quantization == "int8":
        return ["int8", "fp8"]
    if quantization == "fp8":
        return ["fp8", "int8"]
    return []


def pick_variant(choices: list, quantization: str, dtype: str) -> str:
    """Which entry of a URL-variant list Wan2GP loads under these settings."""
    if not choices:
        return ""
    if len(choices) == 1:
        return choices[0] if isinstance(choices[0], str) else ""
    candidates = []
    for token in quantization_tokens(quantization or "bf16"):
        candidates += [c for c in choices if isinstance(c, str) and token in entry_basename(c).lower()]
    if not candidates:
        return choices[0] if isinstance(choices[0], str) else ""
    same_dtype = [c for c in candidates if dtype in entry_basename(c) or dtype.upper() in entry_basename(c)]
    return (same_dtype or candidates)[0]


def variant_label(entry: str) -> str:
    """A short human name for the variant a file holds (int8, fp8, bf16, GGUF Q6_K, ...)."""
    name = entry_basename(entry).lower()
    for token, label in (
        ("nvfp4", "nvfp4"), ("int4", "int4"), ("fp4", "fp4"), ("nf4", "nf4"), ("int8", "int8"), ("fp8", "fp8"),
    ):
        if token in name:
            return label
    if name.endswith(".gguf"):
        for level in ("q8_0", "q6_k", "q5_k", "q4_k_m", "q4_k", "q3_k", "q2_k"):
            if level in name:
                return f"GGUF {level.upper()}"
        return "GGUF"
    if "fp16" in name:
        return "fp16"
    if "bf16" in name:
        return "bf16"
    return ""


def model_filename(
    defs: Mapping[str, dict],
    model_type: str,
    quantization: str,
    dtype_policy: str,
    bf16_supported: bool,
    submodel_no: int = 1,
    urls: Any = None,
) -> str:
    """``get_model_filename``: the entry picked for a submodel, or for an explicit URL list."""
    current = model_type
    chain = [model_type]
    key = "URLs" if submodel_no <= 1 else f"URLs{submodel_no}"
    while urls is None:
        model_def = defs.get(current)
        if model_def is None:
            if current == model_type:
                return ""
            raise UnresolvableReference(f"{key} of {chain[-2]!r} refers to unknown model {current!r}")
        value = model_def.get(key, [])
        if isinstance(value, str):
            _check_hop(key, chain, value)
            chain.append(value)
            current = value
            continue
        # "URLs": null names no weights; without this the loop would wait forever for a value.
        urls = [] if value is None else value
    choices = urls if isinstance(urls, list) else [urls]
    if not all(isinstance(c, str) for c in choices):
        raise DefinitionError(f"the URL list of {current!r} holds something other than text")
    dtype = transformer_dtype(defs, current, dtype_policy, bf16_supported)
    return pick_variant(choices, quantization, dtype)


def module_url_lists(defs: Mapping[str, dict], model_type: str) -> list[Any]:
    """The ``modules`` of a model with module ids replaced by the URL lists they name."""
    modules = recursive_prop(defs, model_type, "modules")
    if not isinstance(modules, list):
        raise DefinitionError(f"modules of {model_type!r} must be a list")
    return [recursive_prop(defs, m, "modules", "_list") if isinstance(m, str) else m for m in modules]


def entry_basename(entry: str) -> str:
    """The local file name of an entry: the URL's last path element, before any ``|folder``."""
    return posixpath.basename(entry.split("|", 1)[0]) if entry.startswith("http") else os.path.basename(entry)


def is_relative_down(path: str) -> bool:
    if not path or os.path.isabs(path) or ntpath.isabs(path) or ntpath.splitdrive(path)[0]:
        return False
    parts = path.replace("\\", "/").split("/")
    return ".." not in parts


def local_name(entry: str, lora_dir: str | None = None) -> str:
    """``extract_alternate_path``: the path of an entry relative to a checkpoint root (or absolute)."""
    problem = path_problem(entry)
    if problem:
        raise DefinitionError(f"entry {entry!r} cannot name a file: {problem}")
    if not entry.startswith("http"):
        if "|" in entry:
            raise DefinitionError(f"local path {entry!r} may not contain '|'")
        return entry
    parts = entry.split("|")
    name = posixpath.basename(parts[0])
    if len(parts) == 1:
        return name
    if len(parts) > 2:
        raise DefinitionError(f"entry {entry!r} has more than one '|'")
    folder = parts[1]
    if folder == LORA_DIR_TOKEN:
        if lora_dir is None:
            raise DefinitionError(f"entry {entry!r} needs the model's LoRA folder, which is unknown")
        return os.path.join(os.path.abspath(lora_dir), name)
    if not is_relative_down(folder):
        raise DefinitionError(f"unsafe relative path {folder!r} in entry {entry!r}")
    return os.path.join(folder, name)


def as_list(value: Any) -> list:
    """A property value as the host iterates it: None is empty, a scalar is a one-item list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
