"""Where the disk space goes: per drive and checkpoint root, per model (unique vs shared), orphans, other variants.

One pure function, ``disk_report(inventory, defs)``, stats each file once and returns a frozen
report. Like huggingface_hub's cache scan, a file reached by two paths (a hard link) is one
physical file: "logical" bytes count paths, "physical" bytes count files. A model's **unique**
bytes are what removing it alone would free; **shared** bytes are also used by another model
whose main weights are on disk. Orphans are judged conservatively: only weight files directly
in a checkpoint root, in a text-encoder folder or in the LoRA folders, whose name no definition
mentions in any quantization or variant, and that do not look like a shared asset Wan2GP's
handlers load without naming it in a definition (VAEs, CLIP encoders, upscalers, codecs).
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..catalog.resolution import entry_basename
from ..hub.local_dir import HF_DOWNLOAD_CACHE
from ..records import FileRole, Inventory, ModelRecord
from ..scan.file_checks import IN_PROGRESS_SECONDS
from ..scan.walk import list_folder, walk_files

WEIGHT_EXTENSIONS = (".safetensors", ".sft", ".gguf", ".bin", ".pt", ".pth", ".ckpt")
# Names of assets the family handlers fetch through query_model_files, which no definition lists.
SHARED_ASSET_HINTS = ("vae", "clip", "upscal", "upsampl", "codec", "vocoder", "wav2vec", "tokenizer", "siglip")
_MAX_LORA_DEPTH = 4
_MAX_WALK_FILES = 200_000


@dataclass(frozen=True, slots=True)
class DiskFile:
    """A file the report counts, stat-ed once."""

    path: str
    size: int
    mtime_ns: int
    device: int
    inode: int


@dataclass(frozen=True, slots=True)
class ModelDisk:
    """A downloaded model's footprint: files it loads, split by whether another downloaded model needs them."""

    model_type: str
    name: str
    files: tuple[str, ...]
    unique_bytes: int
    shared_bytes: int
    shared_with: tuple[str, ...]
    newest_file: datetime | None


@dataclass(frozen=True, slots=True)
class Orphan:
    """A weight file or partial download that no current definition uses."""

    path: str
    size: int
    modified: datetime
    kind: str  # "weights", "lora" (a LoRA no definition ships: maybe the user's own) or "partial"
    reason: str
    in_progress: bool = False


@dataclass(frozen=True, slots=True)
class VariantFile:
    """A file of a quantization or dtype the current settings do not select."""

    path: str
    size: int
    variant: str
    model_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlaceUsage:
    """Bytes of tracked files on one drive (its mount point) or under one checkpoint root or LoRA folder."""

    path: str
    files: int
    logical_bytes: int
    physical_bytes: int
    free_bytes: int | None = None


@dataclass(frozen=True)
class DiskReport:
    wan2gp_dir: str
    checkpoint_roots: tuple[str, ...]
    lora_folders: tuple[str, ...]
    drives: tuple[PlaceUsage, ...]
    roots: tuple[PlaceUsage, ...]
    models: tuple[ModelDisk, ...]
    orphans: tuple[Orphan, ...]
    other_variants: tuple[VariantFile, ...]
    files: Mapping[str, DiskFile]
    users: Mapping[str, tuple[str, ...]]
    scanned_at: datetime
    warnings: tuple[str, ...] = ()
    _by_type: dict[str, ModelDisk] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_type.update((m.model_type, m) for m in self.models)

    def model(self, model_type: str) -> ModelDisk | None:
        return self._by_type.get(model_type)

    @property
    def allowed_roots(self) -> tuple[str, ...]:
        """The only folders a cleanup may remove anything from."""
        return self.checkpoint_roots + self.lora_folders

    def total(self, kind: str) -> int:
        if kind == "variants":
            return sum(v.size for v in self.other_variants)
        return sum(o.size for o in self.orphans if o.kind == kind)


def holds_model(model: ModelRecord) -> bool:
    """A model counts as downloaded for sharing when its main weights are on disk."""
    return any(f.present and f.core for f in model.files)


def disk_report(inventory: Inventory, defs: Mapping[str, Any]) -> DiskReport:
    """Stat every file the inventory knows once, and sort it into models, orphans and other variants."""
    warnings: list[str] = []
    files: dict[str, DiskFile] = {}

    def stat_file(path: str) -> DiskFile | None:
        path = os.path.abspath(path)
        if path not in files:
            try:
                st = os.stat(path)
            except OSError:
                return None
            if not stat.S_ISREG(st.st_mode):
                return None
            files[path] = DiskFile(path, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
        return files[path]

    holding = [m for m in inventory.models if holds_model(m)]
    users: dict[str, list[str]] = {}
    selected: set[str] = set()
    for model in inventory.models:
        for record in model.files:
            if record.present and stat_file(record.path):
                selected.add(os.path.abspath(record.path))
    for model in holding:
        for path in _model_paths(model, files):
            users.setdefault(path, []).append(model.model_type)
    models = tuple(_model_disk(m, files, users) for m in holding)

    variants: dict[str, VariantFile] = {}
    for model in inventory.models:
        for variant in model.other_variants_on_disk:
            path = os.path.abspath(variant.path)
            if path in selected or not stat_file(path):
                continue
            known = variants.get(path)
            types = (known.model_types if known else ()) + (model.model_type,)
            variants[path] = VariantFile(path, files[path].size, variant.variant, tuple(dict.fromkeys(types)))

    settings = inventory.settings
    roots = tuple(os.path.abspath(r) for r in settings.checkpoint_roots)
    lora_root = os.path.abspath(settings.loras_root) if settings.loras_root else ""
    lora_folders = tuple(dict.fromkeys(
        ([lora_root] if lora_root else [])
        + [os.path.dirname(os.path.abspath(f.path)) for m in inventory.models for f in m.files
           if f.role is FileRole.LORA and f.present and not _inside(os.path.abspath(f.path), lora_root)]))
    referenced = referenced_names(defs) | {os.path.basename(p).casefold() for p in selected | set(variants)}
    te_folders = _text_encoder_folders(defs, inventory)
    orphans = [o for o in _orphans(roots, te_folders, lora_folders, referenced, warnings)
               if o.path not in selected and o.path not in variants]
    for orphan in orphans:
        stat_file(orphan.path)

    return DiskReport(
        wan2gp_dir=settings.wan2gp_dir,
        checkpoint_roots=roots,
        lora_folders=lora_folders,
        drives=_drives(files.values()),
        roots=_roots(files.values(), roots + lora_folders),
        models=models,
        orphans=tuple(sorted(orphans, key=lambda o: o.path)),
        other_variants=tuple(sorted(variants.values(), key=lambda v: v.path)),
        files=files,
        users={p: tuple(u) for p, u in users.items()},
        scanned_at=datetime.now(),
        warnings=tuple(warnings),
    )


def _model_paths(model: ModelRecord, files: Mapping[str, DiskFile]) -> list[str]:
    return list(dict.fromkeys(os.path.abspath(f.path) for f in model.files
                              if f.present and os.path.abspath(f.path) in files))


def _model_disk(model: ModelRecord, files: Mapping[str, DiskFile], users: Mapping[str, list[str]]) -> ModelDisk:
    paths = _model_paths(model, files)
    unique = shared = 0
    others: list[str] = []
    counted: set[tuple[int, int]] = set()
    for path in paths:
        info = files[path]
        if (info.device, info.inode) in counted:
            continue  # a hard link to a file already counted
        counted.add((info.device, info.inode))
        other_users = [u for u in users.get(path, ()) if u != model.model_type]
        if other_users:
            shared += info.size
            others += other_users
        else:
            unique += info.size
    newest = max((files[p].mtime_ns for p in paths), default=None)
    return ModelDisk(model.model_type, model.name, tuple(paths), unique, shared, tuple(dict.fromkeys(others)),
                     datetime.fromtimestamp(newest / 1e9) if newest else None)


def referenced_names(defs: Mapping[str, Any]) -> set[str]:
    """Every file name any definition mentions anywhere, in any variant (case-folded)."""
    names: set[str] = set()
    pending: list[Any] = list(defs.values())
    while pending:
        value = pending.pop()
        if isinstance(value, Mapping):
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
        elif isinstance(value, str) and ("/" in value or "\\" in value or value.lower().endswith(WEIGHT_EXTENSIONS)):
            names.add(entry_basename(value).casefold())
    return names


def _text_encoder_folders(defs: Mapping[str, Any], inventory: Inventory) -> set[str]:
    folders = {d.get("text_encoder_folder") for d in defs.values() if isinstance(d, Mapping)}
    folders |= {os.path.basename(os.path.dirname(f.path)) for m in inventory.models for f in m.files
                if f.role is FileRole.TEXT_ENCODER}
    return {f for f in folders if isinstance(f, str) and f and os.sep not in f and "/" not in f and f != ".."}


def looks_like_shared_asset(name: str) -> bool:
    lowered = name.casefold()
    return any(hint in lowered for hint in SHARED_ASSET_HINTS)


def _orphans(roots: tuple[str, ...], te_folders: set[str], lora_folders: tuple[str, ...], referenced: set[str],
             warnings: list[str]) -> Iterable[Orphan]:
    now = time.time()
    folders = [(r, "weights") for r in roots] + [(os.path.join(r, f), "weights") for r in roots for f in te_folders]
    seen: set[str] = set()
    for folder, kind in folders:
        for path, st in _weight_files(folder, 0, warnings):
            name = os.path.basename(path)
            if path in seen or name.casefold() in referenced or looks_like_shared_asset(name):
                continue
            seen.add(path)
            yield Orphan(path, st.st_size, datetime.fromtimestamp(st.st_mtime), kind,
                         "no current definition names this file in any quantization or variant")
    for folder in lora_folders:
        for path, st in _weight_files(folder, _MAX_LORA_DEPTH, warnings):
            if path in seen or os.path.basename(path).casefold() in referenced:
                continue
            seen.add(path)
            yield Orphan(path, st.st_size, datetime.fromtimestamp(st.st_mtime), "lora",
                         "no definition ships this LoRA (it may be one you added yourself)")
    for root in roots:
        for path, st in _partials(root, warnings):
            if path in seen:
                continue
            seen.add(path)
            yield Orphan(path, st.st_size, datetime.fromtimestamp(st.st_mtime), "partial",
                         "an unfinished Hugging Face download", in_progress=now - st.st_mtime < IN_PROGRESS_SECONDS)


def _weight_files(folder: str, max_depth: int, warnings: list[str]) -> Iterable[tuple[str, os.stat_result]]:
    return _files(folder, max_depth, warnings, lambda name: name.lower().endswith(WEIGHT_EXTENSIONS))


def _partials(root: str, warnings: list[str]) -> Iterable[tuple[str, os.stat_result]]:
    bases = [root] + [e.path for e in list_folder(root, warnings)
                      if e.name.startswith("_temp") and e.is_dir(follow_symlinks=False)]
    for base in bases:
        yield from _files(os.path.join(base, HF_DOWNLOAD_CACHE), 6, warnings, lambda name: name.endswith(".incomplete"))


def _files(folder: str, max_depth: int, warnings: list[str],
           keep: Callable[[str], bool]) -> Iterable[tuple[str, os.stat_result]]:
    """Regular files (never links) under ``folder`` whose name ``keep`` accepts; bounded, each folder once."""
    folder = os.path.abspath(folder)
    for found in walk_files([folder], warnings, max_depth=max_depth, max_files=_MAX_WALK_FILES, keep=keep,
                            stopped=f"stopped listing {folder} after {_MAX_WALK_FILES:,} files"):
        yield found.path, found.stat


def _inside(path: str, folder: str) -> bool:
    if not folder:
        return False
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:
        return False


def _place(path: str, chosen: list[DiskFile], free: int | None = None) -> PlaceUsage:
    physical = {(f.device, f.inode): f.size for f in chosen}
    return PlaceUsage(path, len(chosen), sum(f.size for f in chosen), sum(physical.values()), free)


def _drives(files: Iterable[DiskFile]) -> tuple[PlaceUsage, ...]:
    by_device: dict[int, list[DiskFile]] = {}
    for f in files:
        by_device.setdefault(f.device, []).append(f)
    places = []
    for chosen in by_device.values():
        mount = _mount_point(chosen[0].path)
        try:
            free = shutil.disk_usage(mount).free
        except OSError:
            free = None
        places.append(_place(mount, chosen, free))
    return tuple(sorted(places, key=lambda p: p.path))


def _mount_point(path: str) -> str:
    current = os.path.dirname(os.path.abspath(path))
    while not os.path.ismount(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def _roots(files: Iterable[DiskFile], roots: tuple[str, ...]) -> tuple[PlaceUsage, ...]:
    """Each file under the most specific root holding it ("." holds "ckpts", but ckpts' files count there)."""
    by_root: dict[str, list[DiskFile]] = {r: [] for r in roots}
    ordered = sorted(set(roots), key=len, reverse=True)
    for f in files:
        root = next((r for r in ordered if _inside(f.path, r)), None)
        if root is not None:
            by_root[root].append(f)
    return tuple(_place(r, chosen) for r, chosen in by_root.items())
