"""Which models the table shows and in what order: the tab's filter and sort widgets as plain values."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..fit.estimator import ModelMetrics
from ..records import ModelRecord, ModelStatus
from .search import AliasLookup, Query, catalog_aliases
from .tracker_data import TrackerData

ALL = "all"
SPEED_ORDER = {"fast": 0, "medium": 1, "slow": 2}
QUALITY_ORDER = {"highest": 0, "high": 1, "medium": 2, "low": 3}
STATUS_ORDER = {ModelStatus.DOWNLOADED: 0, ModelStatus.PARTIAL: 1, ModelStatus.MISSING: 2, ModelStatus.ERROR: 3}
SORT_CHOICES = {
    "name": "Name",
    "status": "Status",
    "speed": "Speed (fastest first)",
    "vram": "VRAM (lightest first)",
    "quality": "Quality (best first)",
    "size": "On disk (largest first)",
    "download": "To download (smallest first)",
    "family": "Family → base model → finetunes",
    "measured": "Fastest on my machine",
}
# Status filter values beyond the statuses themselves.
DAMAGED = "damaged"
FIT_CHOICES = {ALL: "Any", "fits": "Fits the budget", "recommended": "Recommended for the budget"}


@dataclass(frozen=True)
class Filters:
    """The tab's filter and sort widgets, as plain values."""

    status: str = ALL
    speed: str = ALL
    quality: str = ALL
    output: str = ALL
    family: str = ALL
    fit: str = ALL
    vram_budget_gb: float | None = None
    text: str = ""
    sort_by: str = "name"
    descending: bool = False
    ram_budget_gb: float | None = None
    show_hidden: bool = False

    @property
    def grouped(self) -> bool:
        return self.sort_by == "family"

    def describe(self) -> str:
        parts = [f"{name} {value}" for name, value in (
            ("status", self.status), ("speed", self.speed), ("quality", self.quality), ("output", self.output),
            ("family", self.family), ("fit", self.fit)) if value != ALL]
        if self.vram_budget_gb:
            parts.append(f"VRAM budget {self.vram_budget_gb:g} GB")
        if self.ram_budget_gb:
            parts.append(f"RAM {self.ram_budget_gb:g} GB")
        if self.text.strip():
            parts.append(f'text "{self.text.strip()}"')
        return ", ".join(parts)


def select_models(data: TrackerData, filters: Filters,
                  aliases: AliasLookup | None = catalog_aliases) -> list[ModelRecord]:
    """The models the table shows for these filters, in the requested order.

    With a search text and the default order (by name), the best matches come first: see ``ui.search``;
    ``aliases`` (the catalog's alias table by default) lets names a user knows (old model types, repo ids) count as
    the model's own name.
    """
    fits = data.fits(filters.vram_budget_gb, filters.ram_budget_gb)
    query = Query.of(filters.text, aliases) if filters.text.strip() else None
    ranks: dict[str, int] = {}
    chosen = []
    for model in data.inventory.models:
        metrics = data.metrics.get(model.model_type)
        fit = fits.get(model.model_type)
        if not (model.visible or filters.show_hidden):
            continue
        if filters.status == DAMAGED:
            if not model.damaged_files:
                continue
        elif filters.status != ALL and model.status.value != filters.status:
            continue
        if filters.speed != ALL and (metrics is None or metrics.figure("speed_tier") != filters.speed):
            continue
        if filters.quality != ALL and (metrics is None or metrics.figure("quality_tier") != filters.quality):
            continue
        if filters.output != ALL and model.output_type != filters.output:
            continue
        if filters.family != ALL and model.family != filters.family:
            continue
        if filters.fit == "fits" and (fit is None or fit.verdict == "incompatible"):
            continue
        if filters.fit == "recommended" and (fit is None or fit.verdict != "recommended"):
            continue
        if query is not None:
            rank = query.rank(model, metrics)
            if rank is None:
                continue
            ranks[model.model_type] = rank
        chosen.append(model)
    ordered = sort_models(chosen, data, filters.sort_by, filters.descending)
    if ranks and filters.sort_by == "name":  # a stable sort: the name order holds within each rank
        ordered.sort(key=lambda m: ranks[m.model_type])
    return ordered


def _speed_rank(metrics: ModelMetrics) -> float | None:
    """Tier first, then the multiplier within a tier (audio models only have a tier)."""
    tier = SPEED_ORDER.get(metrics.figure("speed_tier"))
    if tier is None:
        return None
    return tier - (metrics.figure("speed_multiplier") or 0) / 1000


def sort_models(models: list[ModelRecord], data: TrackerData, sort_by: str,
                descending: bool = False) -> list[ModelRecord]:
    """Stable sort on one key; models without a figure go last whatever the direction."""
    big = float("inf")

    def metric(model: ModelRecord, getter: Callable[[ModelMetrics], Any]) -> float:
        m = data.metrics.get(model.model_type)
        value = getter(m) if m is not None else None
        return big if value is None else value

    keys: dict[str, Callable[[ModelRecord], Any]] = {
        "name": lambda m: m.name.casefold(),
        "status": lambda m: STATUS_ORDER[m.status],
        "speed": lambda m: metric(m, lambda x: _speed_rank(x)),
        "vram": lambda m: metric(m, lambda x: x.figure("vram_min_gb")),
        "quality": lambda m: metric(m, lambda x: QUALITY_ORDER.get(x.figure("quality_tier"))),
        "size": lambda m: -m.size_on_disk_bytes,
        # As the column shows it: "?" (nothing known) last, "5 GB + ?" with the 5 GB.
        "download": lambda m: m.download_bytes if m.download_size_known or m.download_bytes else big,
        "measured": lambda m: _measured_rank(data, m.model_type, big),
    }
    if sort_by == "family":
        return family_tree_order(models, data)
    key = keys.get(sort_by, keys["name"])
    ordered = sorted(models, key=lambda m: (key(m), m.name.casefold()))
    if descending:
        known = [m for m in ordered if key(m) != big]
        ordered = known[::-1] + [m for m in ordered if key(m) == big]
    return ordered


def _measured_rank(data: TrackerData, model_type: str, missing: float) -> float:
    used = data.usage.get(model_type)
    return used.speed.rank_value if used is not None and used.speed is not None else missing


def family_tree_order(models: Sequence[ModelRecord], data: TrackerData) -> list[ModelRecord]:
    """Wan2GP's grouping: family, then each base model followed by its finetunes."""
    chosen = {m.model_type for m in models}

    def base_of(model: ModelRecord) -> ModelRecord:
        parent = data.inventory.get(model.parent_model_type) if model.parent_model_type else None
        return parent if parent is not None and parent.model_type in chosen else model

    def key(model: ModelRecord) -> tuple:
        base = base_of(model)
        return (model.family.casefold(), base.name.casefold(), base.model_type, base is not model,
                model.name.casefold())

    return sorted(models, key=key)


def is_grouped_child(model: ModelRecord, shown: set[str]) -> bool:
    return bool(model.parent_model_type) and model.parent_model_type != model.model_type \
        and model.parent_model_type in shown
