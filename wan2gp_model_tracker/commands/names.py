"""Model names given on the command line, turned into model types by the alias resolver (catalog/aliases)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from ..catalog.aliases import MatchKind, Resolution, resolve
from ..records import Inventory
from ..render.formatting import terminal_text
from ..render.terminal import wrap_text
from .common import CommandError, write


def _or(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" or {items[-1]}"


def explain(result: Resolution, models: Mapping[str, str]) -> str:
    """One line saying what a name stood for: the model taken, the candidates, or close spellings."""
    query = terminal_text(result.query)
    if result.model_type is not None:
        return f"`{query}` is {terminal_text(models[result.model_type])} (`{result.model_type}`): {result.how.value}"
    if result.ambiguous:
        listed = "; ".join(f"{terminal_text(models[t])} (`{t}`)" for t in result.candidates)
        return f"`{query}` could be any of {len(result.candidates)} models: {listed}. Name one of them"
    hint = f"; did you mean {_or(list(result.suggestions))}?" if result.suggestions else \
        " (the inventory command lists every model type)"
    return f"unknown model type `{query}`{hint}"


def model_types(names: Sequence[str], inventory: Inventory, width: int | None = None) -> tuple[str, ...]:
    """The model types ``names`` stand for, each said on stderr (within ``width``) when it was not given as
    such; a name that matches nothing or several models is the user's mistake (exit code 2)."""
    models = {m.model_type: m.name for m in inventory.models}
    chosen: list[str] = []
    for name in names:
        result = resolve(name, models)
        if result.model_type is None:
            raise CommandError(explain(result, models))
        if result.how is not MatchKind.MODEL_TYPE:
            write("\n".join(wrap_text(explain(result, models), width, "  ")), sys.stderr)
        chosen.append(result.model_type)
    return tuple(dict.fromkeys(chosen))
