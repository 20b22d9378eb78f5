"""Definitions Wan2GP refuses or hides, and definitions it loads although they look wrong.

What Wan2GP 8681e9f does (wgp.py): ``refresh_model_defs`` opens each file with ``open(path, "r", encoding="utf-8")``
and ``json.load`` (lines 3248-3249), so a file starting with a UTF-8 byte-order mark raises "Unexpected UTF-8 BOM"
like any broken JSON: a finetune is skipped with a warning, a broken file in ``defaults/`` stops the start-up
(lines 3250-3257). ``init_model_def`` takes ``model_def.get("architecture") or get_base_model_type(model_type)``
(line 3206; on the first load the latter is the id itself when a handler supports it, line 2767) and, when no
handler supports that architecture, keeps the definition with ``visible: False`` and no enrichment (lines 3207-3211).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from .handler_files import has_builtin_handler

UTF8_BOM = codecs.BOM_UTF8
BOM_ERROR = "starts with a UTF-8 byte-order mark, which Wan2GP's JSON loading refuses (\"Unexpected UTF-8 BOM\")"
# Keys whose entries are Wan2GP download entries (``url|folder``), and where each can hold lists of them.
_ENTRY_KEYS = ("URLs", "URLs2", "preload_URLs", "VAE_URLs", "text_encoder_URLs", "loras")


def starts_with_bom(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(UTF8_BOM)) == UTF8_BOM


def architecture_of(model_type: str, model_def: Mapping[str, Any], supported: Callable[[object], bool]) -> Any:
    """The architecture Wan2GP looks a handler up with (None when it has none)."""
    value = model_def.get("architecture")
    if value:
        return value
    return model_type if supported(model_type) else None


def rejection(model_type: str, model_def: Mapping[str, Any], supported: Callable[[object], bool] = has_builtin_handler,
              other_handlers: bool = False) -> str:
    """Why Wan2GP would not offer this definition, or "" when it would.

    ``other_handlers``: handlers beyond ``supported`` may exist (an enabled model plugin brings its own), so an
    architecture outside ``supported`` is not known to be unsupported.
    """
    architecture = architecture_of(model_type, model_def, supported)
    if architecture is None:
        what = ("has no architecture" if "architecture" not in model_def
                else f"has architecture {model_def['architecture']!r}")
        return (f"the definition {what}, so no Wan2GP family handler can load it; Wan2GP hides it "
                "(visible: False)")
    if not isinstance(architecture, Hashable):
        return (f"architecture is a {type(architecture).__name__}, not a name: Wan2GP fails on it and skips "
                "the file")
    if supported(architecture) or other_handlers:
        return ""
    return (f"no Wan2GP family handler supports architecture {str(architecture)!r}; Wan2GP hides this model "
            "(visible: False) and cannot generate with it")


def definition_warnings(model_def: Mapping[str, Any]) -> tuple[str, ...]:
    """What looks wrong in a definition Wan2GP still loads."""
    found: list[str] = []
    for key in ("URLs", "URLs2"):
        if model_def.get(key) == []:
            found.append(f'"{key}": [] names no weights, so Wan2GP shows this model as missing and cannot '
                         "download it")
    for key in _ENTRY_KEYS:
        for entry in _entries(model_def.get(key)):
            if "|" in entry and not entry.split("|", 1)[0].strip():
                found.append(f"{key} entry {entry!r} has nothing before its '|': it names no file")
    modules = model_def.get("modules")
    for module in modules if isinstance(modules, list) else []:
        for entry in _entries(module):
            if "|" in entry and not entry.split("|", 1)[0].strip():
                found.append(f"modules entry {entry!r} has nothing before its '|': it names no file")
    name = model_def.get("name")
    if isinstance(name, str) and not _printable(name):
        found.append("the name holds characters that cannot be shown (control characters or a lone surrogate); "
                     "they are shown escaped")
    return tuple(dict.fromkeys(found))


def _entries(value: Any, depth: int = 4) -> list[str]:
    """The text entries of a URL slot; Wan2GP's own shapes nest at most three deep (modules of URL pairs), and a
    definition built in memory inside Wan2GP may nest without end."""
    if isinstance(value, str):
        return [value]
    if depth == 0:
        return []
    if isinstance(value, dict):
        return [e for v in value.values() for e in _entries(v, depth - 1)]
    if isinstance(value, list):
        return [e for v in value for e in _entries(v, depth - 1)]
    return []


def _printable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return text.isprintable()
