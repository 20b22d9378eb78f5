"""Cleanup as a frozen plan first, an action second.

A plan lists every file to remove with its size and mtime at planning time, the bytes it frees,
and every file kept because another downloaded model still needs it. ``execute(plan)`` removes
exactly those files, to the system trash unless asked otherwise, and only after checking, file
by file, that it still lies inside a checkpoint root or LoRA folder (links are never followed out
of them), is not a link, and has the size and mtime the plan recorded. Nothing runs while Wan2GP
is generating. Every removal is appended to a JSON-lines log.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from .disk import DiskReport
from .report import ModelUsage
from .store import data_dir

PLAN_FORMAT = 1
LOG_FILENAME = "model_tracker_removals.jsonl"
# "." is a default checkpoint root, so Wan2GP's own code and settings sit inside one: never removable.
_NEVER_REMOVED = (".py", ".pyc", ".pyd", ".so", ".dll", ".exe", ".sh", ".bat", ".ps1", ".cmd")
_PROTECTED_NAMES = ("wgp_config.json", "requirements.txt")


class PlanError(Exception):
    """A plan that cannot be built or loaded; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class PlannedFile:
    path: str
    size: int
    mtime_ns: int
    reason: str


@dataclass(frozen=True, slots=True)
class KeptFile:
    path: str
    size: int
    needed_by: tuple[str, ...]


@dataclass(frozen=True)
class CleanupPlan:
    """Exactly what a cleanup would remove; ``digest`` names this content, so a confirmation names the plan."""

    choice: str
    description: str
    wan2gp_dir: str
    created_at: str
    files: tuple[PlannedFile, ...]
    kept: tuple[KeptFile, ...] = ()
    model_types: tuple[str, ...] = ()

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self._content(), sort_keys=True).encode()).hexdigest()[:16]

    def _content(self) -> dict:
        return {"format": PLAN_FORMAT, "choice": self.choice, "description": self.description,
                "wan2gp_dir": self.wan2gp_dir, "created_at": self.created_at, "model_types": list(self.model_types),
                "files": [asdict(f) for f in self.files], "kept": [asdict(k) for k in self.kept]}

    def to_dict(self) -> dict:
        return {**self._content(), "digest": self.digest, "total_bytes": self.total_bytes}

    @classmethod
    def from_dict(cls, data: Mapping) -> CleanupPlan:
        if not isinstance(data, Mapping):
            raise PlanError("not a cleanup plan: the file does not hold a JSON object")
        try:
            if data.get("format") != PLAN_FORMAT:
                raise PlanError(f"unknown plan format {data.get('format')!r}")
            plan = cls(
                choice=str(data["choice"]), description=str(data["description"]),
                wan2gp_dir=str(data["wan2gp_dir"]), created_at=str(data["created_at"]),
                files=tuple(PlannedFile(str(f["path"]), int(f["size"]), int(f["mtime_ns"]), str(f["reason"]))
                            for f in data["files"]),
                kept=tuple(KeptFile(str(k["path"]), int(k["size"]), tuple(map(str, k["needed_by"])))
                           for k in data["kept"]),
                model_types=tuple(map(str, data.get("model_types", ()))),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PlanError(f"not a cleanup plan: {exc}") from exc
        if data.get("digest") != plan.digest:
            raise PlanError("the plan file was changed after it was made; build a new plan")
        return plan


def _planned(report: DiskReport, path: str, reason: str) -> PlannedFile:
    info = report.files[path]
    return PlannedFile(path, info.size, info.mtime_ns, reason)


def _make(report: DiskReport, choice: str, description: str, files: Iterable[PlannedFile],
          kept: Iterable[KeptFile] = (), model_types: Sequence[str] = ()) -> CleanupPlan:
    unique = {f.path: f for f in files}
    return CleanupPlan(choice, description, report.wan2gp_dir, datetime.now().isoformat(timespec="seconds"),
                       tuple(sorted(unique.values(), key=lambda f: f.path)),
                       tuple(sorted(kept, key=lambda k: k.path)), tuple(model_types))


def plan_models(report: DiskReport, model_types: Sequence[str], choice: str = "models",
                description: str = "") -> CleanupPlan:
    """Remove these models' files, keeping every file another downloaded model (not in the list) needs."""
    unknown = [t for t in model_types if report.model(t) is None]
    if unknown:
        raise PlanError(f"not downloaded (nothing to remove): {', '.join(unknown)}")
    chosen = set(model_types)
    files: list[PlannedFile] = []
    kept: dict[str, KeptFile] = {}
    for model_type in model_types:
        model = report.model(model_type)
        assert model is not None
        for path in model.files:
            others = tuple(u for u in report.users.get(path, ()) if u not in chosen)
            if others:
                kept[path] = KeptFile(path, report.files[path].size, others)
            else:
                files.append(_planned(report, path, f"file of {model_type}"))
    return _make(report, choice, description or f"remove {', '.join(model_types)}", files, kept.values(),
                 model_types)


def plan_unused(report: DiskReport, usage: Mapping[str, ModelUsage], days: float,
                now: datetime | None = None) -> CleanupPlan:
    """Models not used for ``days`` days; a never-used model only once its newest file is that old too."""
    if days < 0:
        raise PlanError("the number of days must not be negative")
    cutoff = (now or datetime.now()) - timedelta(days=days)
    stale = []
    for model in report.models:
        used = usage.get(model.model_type)
        last = used.last_used if used else model.newest_file
        if last is None or last < cutoff:
            stale.append(model.model_type)
    return plan_models(report, stale, "unused", f"models unused for {days:g} days")


def plan_orphans(report: DiskReport, include_loras: bool = False) -> CleanupPlan:
    """Weight files no definition names (and, when asked, LoRAs no definition ships)."""
    kinds = ("weights", "lora") if include_loras else ("weights",)
    files = [_planned(report, o.path, o.reason) for o in report.orphans if o.kind in kinds and o.path in report.files]
    return _make(report, "orphans", "orphaned weight files" + (" and unreferenced LoRAs" if include_loras else ""),
                 files)


def plan_other_variants(report: DiskReport) -> CleanupPlan:
    files = [_planned(report, v.path, f"{v.variant or '16-bit'} variant not selected by the current settings "
                      f"({', '.join(v.model_types)})") for v in report.other_variants]
    return _make(report, "other-variants", "variants the current quantization settings do not load", files)


def plan_stale_partials(report: DiskReport) -> CleanupPlan:
    files = [_planned(report, o.path, o.reason) for o in report.orphans
             if o.kind == "partial" and not o.in_progress and o.path in report.files]
    return _make(report, "stale-partials", "abandoned partial downloads", files)


# --- execution -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Outcome:
    path: str
    size: int
    done: bool
    message: str


@dataclass(frozen=True)
class ExecutionResult:
    plan_digest: str
    mode: str
    outcomes: tuple[Outcome, ...] = ()
    refused: str = ""
    log_path: str = ""

    @property
    def removed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.done)

    @property
    def freed_bytes(self) -> int:
        return sum(o.size for o in self.removed)

    @property
    def problems(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.done)


def _default_trash(path: str) -> None:
    from send2trash import send2trash

    send2trash(path)


def check_file(planned: PlannedFile, allowed_roots: Sequence[str]) -> str:
    """Why this file must not be removed now, or "" when it is exactly as planned and inside a root."""
    path = planned.path
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "already gone"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    name = os.path.basename(path)
    if name.lower().endswith(_NEVER_REMOVED) or name in _PROTECTED_NAMES or ".git" in path.split(os.sep):
        return "is program code or settings, never a model file"
    if stat.S_ISLNK(st.st_mode):
        return "is a link; the tracker never removes or follows links"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    real = os.path.realpath(path)
    if not any(_inside(real, os.path.realpath(root)) for root in allowed_roots if root):
        return "lies outside the checkpoint and LoRA folders"
    if (st.st_size, st.st_mtime_ns) != (planned.size, planned.mtime_ns):
        return "changed since the plan was made"
    return ""


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder and path != folder
    except ValueError:
        return False


def execute(plan: CleanupPlan, allowed_roots: Sequence[str], *, permanent: bool = False,
            trash: Callable[[str], None] | None = None, generating: Callable[[], bool] | None = None,
            log_path: str | None = None) -> ExecutionResult:
    """Remove exactly the plan's files, or nothing at all when any of them is no longer as planned.

    ``allowed_roots`` come from the current settings, never from the plan. ``generating`` asks the
    host whether a generation is running (inside Wan2GP, ``is_generation_in_progress``).
    """
    mode = "permanent" if permanent else "trash"
    log_path = log_path or os.path.join(data_dir(), LOG_FILENAME)

    def refuse(message: str) -> ExecutionResult:
        return ExecutionResult(plan.digest, mode, refused=message, log_path=log_path)

    if not plan.files:
        return refuse("the plan removes nothing")
    if _busy(generating):
        return refuse("Wan2GP is generating; run the cleanup when the queue is done")
    problems = [(f, check_file(f, allowed_roots)) for f in plan.files]
    problems = [(f, why) for f, why in problems if why]
    if problems:
        shown = "; ".join(f"{f.path} {why}" for f, why in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        return refuse(f"nothing was removed: {shown}{more}. Build a new plan.")
    remove = (lambda p: os.unlink(p)) if permanent else (trash or _default_trash)
    outcomes = []
    for planned in plan.files:
        # Checked again right before each removal: Wan2GP or a download may touch files meanwhile.
        why = "Wan2GP started generating" if _busy(generating) else check_file(planned, allowed_roots)
        if not why:
            try:
                remove(planned.path)
            except Exception as exc:  # send2trash raises its own errors; the rest of the plan still runs
                why = f"could not be removed: {exc}"
        outcome = Outcome(planned.path, planned.size, not why, why or ("moved to the trash" if not permanent
                                                                          else "deleted"))
        outcomes.append(outcome)
        _log(log_path, plan, mode, outcome)
    return ExecutionResult(plan.digest, mode, tuple(outcomes), log_path=log_path)


def _busy(generating: Callable[[], bool] | None) -> bool:
    if generating is None:
        return False
    try:
        return bool(generating())
    except Exception:  # a host that cannot answer is treated as busy: deleting is never the safe guess
        return True


def _log(log_path: str, plan: CleanupPlan, mode: str, outcome: Outcome) -> None:
    line = json.dumps({"time": datetime.now().isoformat(timespec="seconds"), "plan": plan.digest,
                       "choice": plan.choice, "mode": mode, "path": outcome.path, "size": outcome.size,
                       "removed": outcome.done, "message": outcome.message}, ensure_ascii=False)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:
        pass  # the removal itself happened; the result still lists it

