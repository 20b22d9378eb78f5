"""Typed, immutable records produced by a scan and read by every renderer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


class ModelStatus(str, Enum):
    """Wan2GP's download verdict for one model (its dropdown marks)."""

    DOWNLOADED = "downloaded"
    PARTIAL = "partial"
    MISSING = "missing"
    # Not one of Wan2GP's marks: a definition Wan2GP itself could not load or resolve.
    ERROR = "error"

    @property
    def host_code(self) -> int | None:
        """The host's own code: MISSING 0, PARTIAL 1, EXPECTED 2; None for a definition it cannot load."""
        return {"missing": 0, "partial": 1, "downloaded": 2}.get(self.value)


class FileStatus(str, Enum):
    DOWNLOADED = "downloaded"
    MISSING = "missing"


# Looking members up on an Enum class is slow enough to show in a 10,000-model refresh.
_DOWNLOADED = FileStatus.DOWNLOADED


class FileRole(str, Enum):
    """Which slot of a definition a file fills."""

    TRANSFORMER = "transformer"
    TRANSFORMER2 = "transformer2"
    MODULE = "module"
    TEXT_ENCODER = "text_encoder"
    PRELOAD = "preload"
    VAE = "vae"
    LORA = "lora"
    # Declared by the family handler's query_model_files (VAEs, tokenizers, configs); never part of the status.
    HANDLER = "handler"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    FileRole.TRANSFORMER: "transformer",
    FileRole.TRANSFORMER2: "transformer (2nd expert)",
    FileRole.MODULE: "module",
    FileRole.TEXT_ENCODER: "text encoder",
    FileRole.PRELOAD: "preloaded weights",
    FileRole.VAE: "VAE",
    FileRole.LORA: "built-in LoRA",
    FileRole.HANDLER: "family asset",
}


@dataclass(frozen=True, slots=True)
class OtherVariant:
    """A variant of the same slot that is on disk but not the one Wan2GP would load."""

    filename: str
    path: str
    size_bytes: int
    variant: str


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One file Wan2GP would load for a model under the current settings."""

    filename: str
    url: str
    role: FileRole
    core: bool
    status: FileStatus
    path: str
    size_bytes: int | None
    size_is_estimate: bool
    variant: str = ""
    size_basis: str = ""
    warnings: tuple[str, ...] = ()
    other_variants: tuple[OtherVariant, ...] = ()
    # A whole folder (a handler asset fetched as a folder); its size is the sum of what is in it.
    is_folder: bool = False

    @property
    def present(self) -> bool:
        return self.status is _DOWNLOADED

    @property
    def size_source(self) -> str:
        """Where ``size_bytes`` comes from: "disk", "hub" (exact, from the Hugging Face Hub), "estimate", "unknown"."""
        if self.size_bytes is None:
            return "unknown"
        if self.present:
            return "disk"
        return "estimate" if self.size_is_estimate else "hub"


@dataclass(frozen=True, slots=True)
class IncompleteDownload:
    """A partial file that huggingface_hub left in a checkpoint root's download cache."""

    filename: str
    path: str
    bytes_so_far: int
    in_progress: bool
    modified: datetime


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """Everything the tracker knows about one model definition's files."""

    model_type: str
    name: str
    architecture: str
    family: str
    output_type: str
    description: str
    definition_path: str
    is_finetune: bool
    visible: bool
    status: ModelStatus
    status_reason: str
    files: tuple[FileRecord, ...]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    parent_model_type: str = ""
    # False when the handler's own file list (HANDLER files) could not be learnt, so "complete" is unknown.
    handler_files_known: bool = True
    # Set when the status may claim too much: e.g. offline without a snapshot, run-time text encoders unseen.
    completeness_note: str = ""

    @property
    def complete(self) -> bool | None:
        """Whether a generation would fetch nothing at all (handler assets included); None when unknown."""
        if self.missing_files or self.status is not ModelStatus.DOWNLOADED:
            return False
        return None if (not self.handler_files_known or self.completeness_note) else True

    @property
    def size_on_disk_bytes(self) -> int:
        return sum(f.size_bytes or 0 for f in self.files if f.present)

    @property
    def download_bytes(self) -> int:
        return sum(f.size_bytes or 0 for f in self.files if not f.present)

    @property
    def download_is_estimate(self) -> bool:
        return any(f.size_is_estimate for f in self.files if not f.present)

    @property
    def missing_files(self) -> tuple[FileRecord, ...]:
        return tuple(f for f in self.files if not f.present)

    @property
    def other_variants_on_disk(self) -> tuple[OtherVariant, ...]:
        return tuple(v for f in self.files for v in f.other_variants)

    @property
    def damaged_files(self) -> tuple[FileRecord, ...]:
        """Present files that look damaged (truncated, unreadable header): Wan2GP's status ignores them."""
        return tuple(f for f in self.files if f.present and f.warnings)

    @property
    def download_size_known(self) -> bool:
        """False when some missing file has no size anybody can tell: the total is then unknown, not zero."""
        return all(f.size_bytes is not None for f in self.files if not f.present)


@dataclass(frozen=True, slots=True)
class CatalogWarning:
    """A problem met while reading the catalog that did not stop the scan."""

    message: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """The Wan2GP settings a scan was made under, as the host would read them."""

    source: str
    source_detail: str
    wan2gp_dir: str
    checkpoint_roots: tuple[str, ...]
    transformer_quantization: str
    transformer_dtype_policy: str
    text_encoder_quantization: str
    loras_root: str
    compute_dtype: str = "bf16"


@dataclass(frozen=True, slots=True)
class Summary:
    total: int
    downloaded: int
    partial: int
    missing: int
    errors: int
    with_errors: int
    bytes_on_disk: int
    bytes_to_download: int
    download_is_estimate: bool
    # The shared tools the first generation in this Wan2GP also fetches (once for the install).
    shared_missing: int = 0
    shared_bytes_to_download: int = 0
    shared_download_is_estimate: bool = False
    shared_unknown_sizes: int = 0


@dataclass(frozen=True, slots=True)
class Inventory:
    """The result of one scan: a record per model plus what went wrong on the way."""

    models: tuple[ModelRecord, ...]
    settings: ScanSettings
    scanned_at: datetime
    warnings: tuple[CatalogWarning, ...] = ()
    incomplete_downloads: tuple[IncompleteDownload, ...] = ()
    # Shared tools (pose, depth, wav2vec, ...) any first generation fetches; None when nobody knows the list.
    shared_files: tuple[FileRecord, ...] | None = None
    _by_type: dict[str, ModelRecord] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_type.update((m.model_type, m) for m in self.models)

    def get(self, model_type: str) -> ModelRecord | None:
        return self._by_type.get(model_type)

    def summary(self) -> Summary:
        counts = {status: 0 for status in ModelStatus}
        for model in self.models:
            counts[model.status] += 1
        shared = [f for f in self.shared_files or () if not f.present]
        return Summary(
            total=len(self.models),
            downloaded=counts[ModelStatus.DOWNLOADED],
            partial=counts[ModelStatus.PARTIAL],
            missing=counts[ModelStatus.MISSING],
            errors=counts[ModelStatus.ERROR],
            with_errors=sum(1 for m in self.models if m.errors),
            bytes_on_disk=physical_bytes_on_disk(self.models),
            bytes_to_download=download_bytes(self.models),
            download_is_estimate=any(m.download_is_estimate for m in self.models),
            shared_missing=len(shared),
            shared_bytes_to_download=sum(f.size_bytes or 0 for f in shared),
            shared_download_is_estimate=any(f.size_is_estimate for f in shared),
            shared_unknown_sizes=sum(1 for f in shared if f.size_bytes is None),
        )


def frames_bucket(frames: int) -> int:
    """Frame counts that cost about the same: exact below 16 (images, short clips), else 16-frame bands
    centred on Wan2GP's 4n+1 lengths (72-87 holds 77 and 81)."""
    return frames if frames < 16 else 16 + (frames + 8) // 16


def _distinct_files(models: tuple[ModelRecord, ...] | list[ModelRecord], present: bool) -> dict[str, FileRecord]:
    """Files keyed by path so that a file shared by several models counts once."""
    files: dict[str, FileRecord] = {}
    for model in models:
        for record in model.files:
            if record.present is present:
                files.setdefault(record.path, record)
    return files


def physical_bytes_on_disk(models: tuple[ModelRecord, ...] | list[ModelRecord]) -> int:
    """Bytes the models' present files take on disk, each shared file once."""
    return sum(f.size_bytes or 0 for f in _distinct_files(models, present=True).values())


def download_bytes(models: tuple[ModelRecord, ...] | list[ModelRecord]) -> int:
    """Bytes still to fetch before all these models can run, each shared file once."""
    return sum(f.size_bytes or 0 for f in _distinct_files(models, present=False).values())


@dataclass(frozen=True, slots=True)
class MemorySettings:
    """The user's Wan2GP settings that change what a memory profile keeps where.

    ``preload_mb``: ``--preload`` or ``preload_in_VRAM`` in wgp_config.json (wgp.py 3850-3852; 0 = the
    profile's own budgets). ``reserved_ram_share``: ``perc_reserved_mem_max`` (``--perc-reserved-mem-max``,
    shared/cli_args.py 61; 0 = mmgp's default, 0.5 of RAM, 0.4 on Windows, offload.py 231-238).
    ``vae_config``: Wan2GP's VAE tiling choice (0 = automatic, by the card's size; wgp.py 3334).
    ``vram_safety``: ``--vram-safety-coefficient`` (0.8, shared/cli_args.py 35).
    """

    preload_mb: int = 0
    reserved_ram_share: float = 0.0
    vae_config: int = 0
    vram_safety: float = 0.8
    windows: bool = False
    # wgp_config.json's text_encoder_quantization: the text encoder Wan2GP loads ("int8" by default, or "bf16").
    text_encoder_quantization: str = "int8"

    def describe(self) -> str:
        """The settings that differ from Wan2GP's defaults, for a basis line ("" when none do)."""
        parts = []
        if self.preload_mb:
            parts.append(f"preload {self.preload_mb} MB in VRAM")
        if self.reserved_ram_share:
            parts.append(f"reserved RAM at most {self.reserved_ram_share:g} of RAM")
        if self.vae_config:
            parts.append(f"VAE tiling setting {self.vae_config}")
        if self.vram_safety != 0.8:
            parts.append(f"VRAM safety coefficient {self.vram_safety:g}")
        if self.text_encoder_quantization != "int8":
            parts.append(f"{self.text_encoder_quantization} text encoder")
        return ", ".join(parts)


def memory_settings_from_config(config: object, windows: bool = False, args: object = None) -> MemorySettings:
    """The memory settings in a wgp_config.json dict and, inside Wan2GP, its command line (``args``), which wins
    where Wan2GP lets it (wgp.py 3334-3336, 3850-3852, 4001-4002); anything not a sane number keeps the default."""
    def setting(key: str, low: float, high: float) -> float | None:
        return _sane(config.get(key) if isinstance(config, Mapping) else None, low, high)

    def option(key: str, low: float, high: float) -> float | None:
        return _sane(getattr(args, key, None), low, high)

    preload = option("preload", 1, 1_000_000) or setting("preload_in_VRAM", 0, 1_000_000)
    share = option("perc_reserved_mem_max", 0.01, 1) or setting("perc_reserved_mem_max", 0, 1)
    vae = option("vae_config", 0, 10)
    vae = setting("vae_config", 0, 10) if vae is None else vae
    safety = option("vram_safety_coefficient", 0.05, 1) or 0.8
    encoder = config.get("text_encoder_quantization") if isinstance(config, Mapping) else None
    return MemorySettings(preload_mb=int(preload or 0), reserved_ram_share=float(share or 0.0),
                          vae_config=int(vae or 0), vram_safety=safety, windows=windows,
                          text_encoder_quantization="bf16" if encoder == "bf16" else "int8")


def _sane(value: object, low: float, high: float) -> float | None:
    """A finite number within [low, high] (wgp.py keeps --preload and --vae-config as text); else None."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        return None  # NaN fails the range test too
    return float(value)


@dataclass(frozen=True, slots=True)
class MeasuredPeak:
    """Peak memory of real generations of one model on this machine (recorded by the tracker's data hook).

    ``vram_peak_gb`` is torch's ``max_memory_reserved``, ``vram_allocated_gb`` its ``max_memory_allocated``;
    GB here are GiB, as the GPU reports them. ``runs`` is how many generations the figures cover.
    """

    model_type: str
    profile: str
    width: int
    height: int
    frames: int
    vram_peak_gb: float
    vram_allocated_gb: float
    ram_peak_gb: float
    runs: int
    gpu_name: str
    gpu_total_gb: float
