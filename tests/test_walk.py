"""The one folder walk: regular files below some folders, never through links, each folder once, bounded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wan2gp_model_tracker.scan.walk import walk_files


def walk(*folders: Path, warnings: list[str] | None = None, **bounds) -> list[str]:
    bounds = {"max_depth": 8, "max_files": 1000} | bounds
    found = walk_files([str(f) for f in folders], [] if warnings is None else warnings, **bounds)
    return sorted(os.path.relpath(f.path, folders[0]) for f in found)


def touch(path: Path, size: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    return path


def test_regular_files_below_the_folder_are_found_with_their_folders_names(tmp_path):
    touch(tmp_path / "a.mp4", 3)
    touch(tmp_path / "sub" / "b.mp4")
    touch(tmp_path / "sub" / "b.json")
    found = {f.name: f for f in walk_files([str(tmp_path)], [], max_depth=8, max_files=1000)}
    assert set(found) == {"a.mp4", "b.mp4", "b.json"}
    assert found["a.mp4"].stat.st_size == 3
    assert found["b.mp4"].folder == str(tmp_path / "sub") and found["b.mp4"].siblings == {"b.mp4", "b.json"}


def test_only_names_the_caller_keeps_are_reported(tmp_path):
    touch(tmp_path / "a.safetensors")
    touch(tmp_path / "notes.txt")
    assert walk(tmp_path, keep=lambda name: name.endswith(".safetensors")) == ["a.safetensors"]


def test_a_link_to_a_folder_is_not_followed(tmp_path):
    outside = tmp_path / "outside"
    touch(outside / "precious.safetensors")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "linked").symlink_to(outside)
    assert walk(tmp_path / "root") == []


def test_a_link_to_a_file_is_skipped_unless_file_links_are_asked_for(tmp_path):
    target = touch(tmp_path / "outside" / "blob", 5)
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "model.safetensors").symlink_to(target)
    (tmp_path / "root" / "broken.safetensors").symlink_to(tmp_path / "gone")
    assert walk(tmp_path / "root") == []
    found = list(walk_files([str(tmp_path / "root")], [], max_depth=8, max_files=1000, file_links=True))
    assert [(f.name, f.stat.st_size) for f in found] == [("model.safetensors", 5)]


def test_a_link_loop_ends_and_each_folder_is_walked_once(tmp_path):
    touch(tmp_path / "a" / "one.mp4")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    os.symlink(tmp_path / "a", tmp_path / "same_as_a")
    # The same folder given twice, and once more through a link, is still listed once.
    found = walk(tmp_path, tmp_path, tmp_path / "same_as_a")
    assert len(found) == 1 and found[0].endswith("one.mp4")


def test_folders_deeper_than_the_bound_are_not_listed(tmp_path):
    touch(tmp_path / "top.bin")
    touch(tmp_path / "d1" / "one.bin")
    touch(tmp_path / "d1" / "d2" / "two.bin")
    assert walk(tmp_path, max_depth=0) == ["top.bin"]
    assert walk(tmp_path, max_depth=1) == ["d1/one.bin", "top.bin"]


def test_the_walk_stops_after_the_file_bound_with_a_warning(tmp_path):
    for i in range(5):
        touch(tmp_path / f"f{i}.bin")
    warnings: list[str] = []
    assert len(walk(tmp_path, warnings=warnings, max_files=3)) == 3
    assert warnings == ["stopped after 3 files"]


def test_the_stop_warning_can_be_worded_by_the_caller(tmp_path):
    touch(tmp_path / "a.bin")
    touch(tmp_path / "b.bin")
    warnings: list[str] = []
    walk(tmp_path, warnings=warnings, max_files=1, stopped="stopped after 1 output files")
    assert warnings == ["stopped after 1 output files"]


def test_an_unreadable_folder_is_a_warning_and_the_walk_goes_on(tmp_path, monkeypatch):
    touch(tmp_path / "open" / "a.bin")
    touch(tmp_path / "locked" / "b.bin")
    real_scandir = os.scandir
    locked = str(tmp_path / "locked")

    def scandir(path="."):
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    warnings: list[str] = []
    assert walk(tmp_path, warnings=warnings, noun="output folder") == ["open/a.bin"]
    assert warnings == [f"cannot read output folder {locked}: Permission denied"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads every folder")
def test_a_folder_without_read_permission_is_a_warning(tmp_path):
    locked = tmp_path / "locked"
    touch(locked / "b.bin")
    locked.chmod(0)
    try:
        warnings: list[str] = []
        assert walk(tmp_path, warnings=warnings) == []
        assert len(warnings) == 1 and "cannot read folder" in warnings[0]
    finally:
        locked.chmod(0o755)


def test_a_missing_folder_or_a_file_given_as_a_folder_is_quietly_empty(tmp_path):
    touch(tmp_path / "file.bin")
    warnings: list[str] = []
    assert list(walk_files([str(tmp_path / "gone"), str(tmp_path / "file.bin")], warnings,
                           max_depth=8, max_files=1000)) == []
    assert warnings == []
