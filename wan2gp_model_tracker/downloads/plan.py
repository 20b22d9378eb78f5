"""A download plan: which files to fetch for some models, where they go, and whether they fit.

``build_plan`` is pure apart from two probes (free space, and the reuse index it is handed):
it turns the missing files of the chosen models into a frozen plan that the queue executes.
Targets are ``FileRecord.path`` of missing files, i.e. exactly where Wan2GP would write them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..hub.urls import HubFile, parse_hub_url
from ..records import FileRecord, Inventory, ModelStatus
from ..units import format_gb

LINK_CHOICES = ("hard", "sym", "copy")
DOWNLOAD = "download"


@dataclass(frozen=True, slots=True)
class ReuseCandidate:
    """A copy of the same file found elsewhere on this machine."""

    path: str
    size_bytes: int
    source: str
    same_filesystem: bool
    size_confirmed: bool


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """One file to bring onto disk, by download or (when the user chose so) from a copy."""

    filename: str
    url: str
    target: str
    size_bytes: int | None
    size_is_estimate: bool
    model_types: tuple[str, ...]
    hub: HubFile | None = None
    sha256: str | None = None
    reuse: tuple[ReuseCandidate, ...] = ()
    action: str = DOWNLOAD
    reuse_from: str = ""

    @property
    def fetched_bytes(self) -> int:
        """Bytes that travel over the network for this file."""
        return 0 if self.action != DOWNLOAD else self.size_bytes or 0

    @property
    def disk_bytes(self) -> int:
        """Bytes this file adds to its target drive: nothing for a link."""
        return self.size_bytes or 0 if self.action in (DOWNLOAD, "copy") else 0


@dataclass(frozen=True, slots=True)
class DriveSpace:
    """Free space on one target drive versus what the plan writes there."""

    folder: str
    free_bytes: int | None
    needed_bytes: int

    @property
    def fits(self) -> bool:
        return self.free_bytes is None or self.needed_bytes <= self.free_bytes


@dataclass(frozen=True, slots=True)
class DownloadPlan:
    """Everything a download would do, decided before anything is written."""

    model_types: tuple[str, ...]
    files: tuple[PlannedFile, ...]
    skipped: tuple[tuple[str, str], ...]
    drives: tuple[DriveSpace, ...]

    @property
    def download_bytes(self) -> int:
        return sum(f.fetched_bytes for f in self.files)

    @property
    def saved_bytes(self) -> int:
        """Bytes not downloaded because a copy on disk is reused."""
        return sum(f.size_bytes or 0 for f in self.files if f.action != DOWNLOAD)

    @property
    def fits(self) -> bool:
        return all(d.fits for d in self.drives)

    def space_problems(self) -> list[str]:
        return [f"not enough free space in {d.folder}: {format_gb(d.needed_bytes)} to write, "
                f"{format_gb(d.free_bytes or 0)} free" for d in self.drives if not d.fits]

    def describe(self) -> str:
        """The plan in plain text, one line per file."""
        if not self.files and not self.skipped:
            return "Nothing to download: every file these models need is on disk."
        lines = []
        for f in self.files:
            size = format_gb(f.size_bytes, f.size_is_estimate) if f.size_bytes is not None else "size unknown"
            how = {DOWNLOAD: f"download ({size})", "copy": f"copy from {f.reuse_from}"}.get(
                f.action, f"{f.action} link from {f.reuse_from}")
            lines.append(f"{f.filename} -> {f.target}: {how}")
            if f.action == DOWNLOAD and f.reuse:
                lines.append(f"    a copy exists at {f.reuse[0].path} (use --link hard|sym|copy to reuse it)")
        lines += [f"{name}: skipped, {reason}" for name, reason in self.skipped]
        estimate = any(f.size_is_estimate for f in self.files if f.action == DOWNLOAD)
        lines.append(f"Total to download: {format_gb(self.download_bytes, estimate)} in "
                     f"{sum(1 for f in self.files if f.action == DOWNLOAD)} files"
                     + (f"; {format_gb(self.saved_bytes)} saved by reusing copies on disk" if self.saved_bytes else ""))
        lines += self.space_problems()
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """What the server says about a file before it is fetched."""

    size_bytes: int | None
    sha256: str | None = None


MetadataLookup = Callable[[Sequence["PlannedFile"]], Mapping[str, RemoteFile]]


class PlanError(ValueError):
    """The request cannot become a plan (unknown model type, bad choice)."""


FreeSpaceProbe = Callable[[str], int | None]


def free_space(folder: str) -> int | None:
    """Free bytes on the drive that holds ``folder`` (or its nearest existing parent); None if unknown."""
    try:
        return shutil.disk_usage(existing_folder(folder)).free
    except OSError:
        return None


def existing_folder(path: str) -> str:
    """``path`` if it is a folder, else its nearest existing parent folder: where a file there would land."""
    path = os.path.abspath(path)
    while not os.path.isdir(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    return path


def device_of(path: str) -> int | None:
    """The filesystem ``path`` is (or would be) on; None if unknown."""
    try:
        return os.stat(existing_folder(path)).st_dev
    except OSError:
        return None


def needed_files(inventory: Inventory, model_types: Iterable[str],
                 only_files: Collection[str] | None = None) -> tuple[list[tuple[FileRecord, str]], list[str]]:
    """The missing files of these models (each target once) with their model, and the unknown model types."""
    unknown, chosen = [], []
    for model_type in model_types:
        model = inventory.get(model_type)
        if model is None:
            unknown.append(model_type)
            continue
        if model.status is ModelStatus.ERROR:
            continue
        chosen += [(f, model_type) for f in model.missing_files if only_files is None or f.filename in only_files]
    return chosen, unknown


def build_plan(inventory: Inventory, model_types: Iterable[str], *, only_files: Collection[str] | None = None,
               find_reuse: Callable[[str, int | None, bool, str], tuple[ReuseCandidate, ...]] | None = None,
               link: str | None = None, probe: FreeSpaceProbe | None = None,
               metadata: MetadataLookup | None = None) -> DownloadPlan:
    """A plan for the missing files of ``model_types`` (or only the named files among them).

    ``metadata(files)`` gives exact sizes and checksums by target (from the server, when the
    network may be used); ``find_reuse(filename, size, size_is_exact, target)`` lists copies on
    disk; with ``link`` set to hard, sym or copy, a file with a suitable copy is reused that way.
    """
    if link is not None and link not in LINK_CHOICES:
        raise PlanError(f"unknown link kind {link!r}: choose hard, sym or copy")
    types = tuple(dict.fromkeys(model_types))
    records, unknown = needed_files(inventory, types, only_files)
    if unknown:
        raise PlanError(f"unknown model type{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
    by_target: dict[str, PlannedFile] = {}
    skipped: dict[str, str] = {}
    for record, model_type in records:
        known = by_target.get(record.path)
        if known is not None:
            if model_type not in known.model_types:
                by_target[record.path] = replace(known, model_types=known.model_types + (model_type,))
            continue
        url = record.url.split("|", 1)[0]
        if not url.startswith("http"):
            skipped[record.filename] = "a local path in the definition: there is nothing to download it from"
            continue
        by_target[record.path] = PlannedFile(
            filename=record.filename, url=url, target=record.path, size_bytes=record.size_bytes,
            size_is_estimate=record.size_is_estimate, model_types=(model_type,), hub=parse_hub_url(url))
    remote = metadata(tuple(by_target.values())) if metadata and by_target else {}
    files = tuple(_choose(_with_reuse(_with_remote(f, remote.get(f.target)), find_reuse), link)
                  for f in by_target.values())
    return DownloadPlan(model_types=types, files=files, skipped=tuple(skipped.items()),
                        drives=_drives(files, probe or free_space))


def _with_remote(planned: PlannedFile, remote: RemoteFile | None) -> PlannedFile:
    if remote is None or remote.size_bytes is None:
        return planned
    return replace(planned, size_bytes=remote.size_bytes, size_is_estimate=False,
                   sha256=remote.sha256 or planned.sha256)


def _with_reuse(planned: PlannedFile, find_reuse: Callable[..., tuple[ReuseCandidate, ...]] | None) -> PlannedFile:
    if find_reuse is None:
        return planned
    exact = planned.size_bytes is not None and not planned.size_is_estimate
    return replace(planned, reuse=find_reuse(planned.filename, planned.size_bytes, exact, planned.target))


def _choose(planned: PlannedFile, link: str | None) -> PlannedFile:
    """Apply the user's reuse choice to one file: the first copy that allows it, else a download."""
    if link is None:
        return planned
    for candidate in planned.reuse:
        if not candidate.size_confirmed or (link == "hard" and not candidate.same_filesystem):
            continue
        return replace(planned, action=link, reuse_from=candidate.path)
    return planned


def _drives(files: tuple[PlannedFile, ...], probe: FreeSpaceProbe) -> tuple[DriveSpace, ...]:
    needed: dict[object, tuple[str, int]] = {}
    for f in files:
        key = device_of(f.target) or existing_folder(f.target)
        folder, total = needed.get(key, (existing_folder(f.target), 0))
        # Unknown sizes count as nothing here; the fetch itself stops on a full disk.
        needed[key] = (folder, total + f.disk_bytes)
    return tuple(DriveSpace(folder, probe(folder), total) for folder, total in needed.values())
