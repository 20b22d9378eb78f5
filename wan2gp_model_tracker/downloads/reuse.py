"""Copies of a needed file already on this machine: other checkpoint roots, the Hugging Face cache, user folders.

``ReuseIndex`` walks the folders once (bounded) and answers by file name; ``apply_reuse`` links
or copies one file into place, never overwriting anything, only when the user chose it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from .plan import ReuseCandidate, device_of

# Bounds on the walk: a user may point at a whole disk.
MAX_DEPTH = 6
MAX_ENTRIES = 200_000


@dataclass(frozen=True, slots=True)
class Source:
    folder: str
    label: str


def hf_cache_sources() -> list[Source]:
    """The Hugging Face hub cache's snapshot files, as huggingface_hub reports them."""
    try:
        from huggingface_hub import constants, scan_cache_dir

        # Read the variable now rather than at import, so a changed HF_HUB_CACHE is honoured.
        info = scan_cache_dir(os.environ.get("HF_HUB_CACHE") or constants.HF_HUB_CACHE)
    except Exception:  # no cache, unreadable cache: simply nothing to reuse there
        return []
    return [Source(str(revision.snapshot_path), f"Hugging Face cache ({repo.repo_id})")
            for repo in info.repos for revision in repo.revisions]


def default_sources(checkpoint_roots: Iterable[str], extra_folders: Iterable[str] = (),
                    hf_cache: bool = True) -> list[Source]:
    """Where copies are looked for: the checkpoint roots, the user's folders, the Hugging Face cache."""
    sources = [Source(root, "checkpoint folder") for root in checkpoint_roots]
    sources += [Source(folder, "your folder") for folder in extra_folders]
    return sources + (hf_cache_sources() if hf_cache else [])


class ReuseIndex:
    """File name -> paths (with sizes) under the given folders, built once."""

    def __init__(self, sources: Iterable[Source]) -> None:
        self._by_name: dict[str, list[tuple[str, int, str]]] = {}
        self.warnings: list[str] = []
        seen: set[str] = set()
        seen_files: set[str] = set()  # the Wan2GP folder (root ".") contains ckpts/, also a root
        entries = 0
        for source in sources:
            top = os.path.realpath(source.folder)
            if top in seen or not os.path.isdir(top):
                continue
            seen.add(top)
            base_depth = top.rstrip(os.sep).count(os.sep)
            for folder, dirs, names in os.walk(top, onerror=lambda e: self.warnings.append(str(e))):
                dirs[:] = [d for d in dirs if not d.startswith(".")] \
                    if folder.count(os.sep) - base_depth < MAX_DEPTH else []
                for name in names:
                    entries += 1
                    path = os.path.join(folder, name)
                    if path in seen_files:
                        continue
                    seen_files.add(path)
                    try:
                        size = os.stat(path).st_size  # follows the cache's snapshot links to their blobs
                    except OSError:
                        continue
                    self._by_name.setdefault(name, []).append((path, size, source.label))
                if entries > MAX_ENTRIES:
                    self.warnings.append(f"stopped looking for copies after {MAX_ENTRIES:,} files")
                    return

    def candidates(self, filename: str, size: int | None, size_is_exact: bool, target: str) -> tuple[
            ReuseCandidate, ...]:
        """Copies named like ``filename``; their size must match when the size is known exactly."""
        found = []
        target_real = os.path.realpath(target)
        target_dev = device_of(os.path.dirname(target))
        for path, found_size, label in self._by_name.get(filename, []):
            if os.path.realpath(path) == target_real:
                continue
            confirmed = size_is_exact and size == found_size
            if size_is_exact and not confirmed:
                continue
            found.append(ReuseCandidate(path=path, size_bytes=found_size, source=label,
                                        same_filesystem=target_dev is not None and device_of(path) == target_dev,
                                        size_confirmed=confirmed))
        # Same filesystem first: those can be hard-linked at no cost.
        return tuple(sorted(found, key=lambda c: (not c.same_filesystem, c.path)))


class ReuseError(Exception):
    """A copy could not be linked or copied into place."""


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(8 * 1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def apply_reuse(source: str, target: str, how: str, sha256: str | None = None) -> str:
    """Put ``source`` at ``target`` by a hard link, a symbolic link or a copy; never replaces a file.

    The source is checked against ``sha256`` first when the Hub gave one.
    """
    real = os.path.realpath(source)  # a cache snapshot entry is itself a link to the blob
    if not os.path.isfile(real):
        raise ReuseError(f"{source} is no longer there")
    if sha256 and sha256_of(real) != sha256.lower():
        raise ReuseError(f"{source} differs from the file on the Hub (sha256 mismatch); download it instead")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
        if how == "hard":
            os.link(real, target)
        elif how == "sym":
            os.symlink(real, target)
        elif how == "copy":
            # Copy under a temporary name, then link it in: the final name appears only complete.
            temporary = f"{target}.{uuid.uuid4().hex[:8]}.copying"
            try:
                shutil.copyfile(real, temporary)
                os.link(temporary, target)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
        else:
            raise ReuseError(f"unknown way to reuse a file: {how!r}")
    except FileExistsError as exc:
        raise ReuseError(f"{target} already exists; nothing was changed") from exc
    except OSError as exc:
        verb = "copy" if how == "copy" else f"{how}-link"
        raise ReuseError(f"could not {verb} {source} to {target}: {exc.strerror or exc}") from exc
    return target
