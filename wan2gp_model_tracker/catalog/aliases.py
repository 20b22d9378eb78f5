"""Any name a user knows finds the model: the model type in any spelling, the display name, model types an older
Wan2GP used, checkpoint names in old settings files, names written in posts, and the makers' Hugging Face
repositories (``aliases.json``, each entry with its source).

``resolve`` is pure: it takes the catalog as ``{model_type: display name}`` and returns a frozen ``Resolution``
(the model it took and how, or the candidates when the name is ambiguous, or close matches when nothing fits).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from importlib import resources


class MatchKind(str, Enum):
    MODEL_TYPE = "model type"
    SPELLING = "model type written another way"
    NAME = "display name"
    RENAMED = "model type of an older Wan2GP"
    OLD_SETTINGS = "checkpoint name in older Wan2GP settings files"
    POST = "name used in posts"
    MAKER_REPO = "maker's Hugging Face repository"


_ALIAS_KINDS = {"renamed": MatchKind.RENAMED, "old_settings": MatchKind.OLD_SETTINGS, "post": MatchKind.POST,
                "maker_repo": MatchKind.MAKER_REPO}


@dataclass(frozen=True)
class Alias:
    alias: str
    model_types: tuple[str, ...]
    kind: MatchKind
    source: str


@dataclass(frozen=True)
class Resolution:
    """What a name given by a user stands for. ``model_type`` is None when nothing or more than one model
    matched; ``candidates`` lists the models an ambiguous name could mean, ``suggestions`` close spellings."""

    query: str
    model_type: str | None = None
    how: MatchKind | None = None
    candidates: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    source: str = ""

    @property
    def found(self) -> bool:
        return self.model_type is not None

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


_HF_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?huggingface\.co/", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s_.\-]+")
_TRAILING_SIZE = re.compile(r"\s+\d+(?:\.\d+)?[bB]\s*$")


@lru_cache(maxsize=8192)  # the tab's search resolves on every keystroke over the same few hundred names
def normalize(text: str) -> str:
    """The form names are compared in: case, spaces, ``_ . -`` and a Hub URL's prefix do not count."""
    text = _HF_PREFIX.sub("", text.strip()).rstrip("/")
    key = _SEPARATORS.sub("", text.casefold())
    # A maker's repository and its "-Diffusers" twin hold the same model.
    return key.removesuffix("diffusers") if "/" in key else key


@lru_cache(maxsize=1)
def load_aliases() -> tuple[Alias, ...]:
    """The alias table shipped with the package."""
    text = resources.files(__package__).joinpath("aliases.json").read_text(encoding="utf-8")
    return tuple(Alias(e["alias"], tuple(e["model_types"]), _ALIAS_KINDS[e["kind"]], e["source"])
                 for e in json.loads(text)["aliases"])


def aliases_for(model_type: str, aliases: Sequence[Alias] | None = None) -> tuple[str, ...]:
    """The other names a model is known by (for a search box that should find it by them too)."""
    return tuple(a.alias for a in (load_aliases() if aliases is None else aliases) if model_type in a.model_types)


def _unique(found: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(found))


def _answer(query: str, found: tuple[str, ...], how: MatchKind, source: str = "") -> Resolution:
    if len(found) == 1:
        return Resolution(query, found[0], how, found, source=source)
    return Resolution(query, None, how, found, source=source)


def resolve(query: str, models: Mapping[str, str], aliases: Sequence[Alias] | None = None) -> Resolution:
    """The model of ``models`` (``{model_type: display name}``) that ``query`` names, trying in turn the exact
    model type, the model type and the display name written another way, then the alias table."""
    if query in models:
        return Resolution(query, query, MatchKind.MODEL_TYPE, (query,))
    key = normalize(query)
    if not key:
        return Resolution(query)
    by_type = _unique(t for t in models if normalize(t) == key)
    if by_type:
        return _answer(query, by_type, MatchKind.SPELLING)
    by_name = _unique(t for t, name in models.items() if normalize(name) == key)
    if not by_name:  # "Z-Image Turbo" for "Z-Image Turbo 6B": the size is often left out
        by_name = _unique(t for t, name in models.items() if normalize(_TRAILING_SIZE.sub("", name)) == key)
    if by_name:
        return _answer(query, by_name, MatchKind.NAME)
    table = load_aliases() if aliases is None else aliases
    hits = [a for a in table if normalize(a.alias) == key]
    known = _unique(t for a in hits for t in a.model_types if t in models)
    if known:
        first = next(a for a in hits if any(t in models for t in a.model_types))
        return _answer(query, known, first.kind, first.source)
    return Resolution(query, suggestions=_close(key, models, table))


def _close(key: str, models: Mapping[str, str], aliases: Sequence[Alias]) -> tuple[str, ...]:
    """Model types whose type, name or alias is spelt close to ``key`` (difflib), best first."""
    owners: dict[str, list[str]] = {}
    for model_type, name in models.items():
        owners.setdefault(normalize(model_type), []).append(model_type)
        owners.setdefault(normalize(name), []).append(model_type)
    for alias in aliases:
        owners.setdefault(normalize(alias.alias), []).extend(t for t in alias.model_types if t in models)
    close = difflib.get_close_matches(key, list(owners), n=5, cutoff=0.75)
    return _unique(t for match in close for t in owners[match])[:5]
