"""The tab's search: which models a text matches, and how well.

A model's rank is the first field the text matches, in the order people mean them: the display name (exact,
then prefix, then a word of it, then anywhere in it), the model type, the family, then everything else
(architecture, description, "best for"). A name the catalog's alias table knows for the model (an older model
type, a name from posts, the maker's repository) counts as an exact name match: "flux_dev" ranks Flux 1 Dev first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from ..catalog.aliases import load_aliases, normalize
from ..fit.estimator import ModelMetrics
from ..records import ModelRecord

# The ranks, best first; a model that matches nothing has no rank and is not shown.
NAME_EXACT, NAME_PREFIX, NAME_WORD, NAME_ANYWHERE, MODEL_TYPE, FAMILY, OTHER = range(7)
# Names an alias table resolves a text to (model types); None when no table is available.
AliasLookup = Callable[[str], Collection[str]]
_SPACES = re.compile(r"[\s_\-]+")


def catalog_aliases(text: str) -> tuple[str, ...]:
    """The model types the alias table gives for exactly this text (in the table's own spelling rules)."""
    key = normalize(text)
    return tuple(t for alias in load_aliases() if normalize(alias.alias) == key for t in alias.model_types)


def _normal(text: str) -> str:
    """Case and spacing do not matter: "LTX-Video", "ltx video" and "ltx_video" are one text."""
    return _SPACES.sub(" ", text.casefold()).strip()


@dataclass(frozen=True)
class Query:
    """A search text, normalised once for every model it is compared with."""

    text: str
    aliases: frozenset[str] = frozenset()

    @classmethod
    def of(cls, text: str, resolve: AliasLookup | None = None) -> Query:
        hits: Collection[str] = ()
        if resolve is not None and text.strip():
            try:
                hits = resolve(text.strip())
            except Exception:  # an alias table is a help: a failure in it must not break the search
                hits = ()
        return cls(_normal(text), frozenset(hits))

    @property
    def words(self) -> list[str]:
        return self.text.split()

    def _in(self, field: str) -> bool:
        return all(word in field for word in self.words)

    def rank(self, model: ModelRecord, metrics: ModelMetrics | None) -> int | None:
        """How well this text matches the model (lower is better), or None when it does not."""
        if model.model_type in self.aliases:
            return NAME_EXACT
        name = _normal(model.name)
        if name == self.text:
            return NAME_EXACT
        if name.startswith(self.text):
            return NAME_PREFIX
        if f" {self.text}" in f" {name}":
            return NAME_WORD
        if self._in(name):
            return NAME_ANYWHERE
        if self._in(_normal(model.model_type)):
            return MODEL_TYPE
        if self._in(_normal(model.family)):
            return FAMILY
        rest = " ".join((name, _normal(model.model_type), _normal(model.family), _normal(model.architecture),
                         _normal(model.description), _normal(metrics.best_for if metrics else "")))
        return OTHER if self._in(rest) else None
