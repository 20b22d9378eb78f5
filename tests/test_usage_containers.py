"""Outputs Wan2GP tags with ffmpeg (MKV, and MP4/MOV without a ``©cmt`` atom), read back with PyAV or ffprobe."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from datetime import datetime

import pytest
from outputs_fixture import (
    item,
    settings,
    write_mkv_ffmetadata,
    write_mkv_metadata_option,
    write_mkv_pyav,
    write_mkv_reserved,
    write_mkv_tag,
    write_mp4,
)

from wan2gp_model_tracker.usage import container_tags
from wan2gp_model_tracker.usage.outputs import NO_SETTINGS, NO_TAGGED_SETTINGS, read_output
from wan2gp_model_tracker.usage.report import scan_usage

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None,
                                reason="ffmpeg writes the test files (.ci/run installs it)")

T1 = datetime(2026, 11, 1, 10, 0, 0)
PROMPT = 'a cat; #1 = "best" \\ \n on two lines, é 猫'


@pytest.fixture(params=["pyav", "ffprobe"])
def reader(request, monkeypatch) -> str:
    """Each test runs once with PyAV reading the tags and once with ffprobe (PyAV hidden)."""
    if request.param == "pyav":
        pytest.importorskip("av")
    else:
        if shutil.which("ffprobe") is None:
            pytest.skip("ffprobe is not installed")
        monkeypatch.setattr(container_tags, "pyav", lambda: None)
    return request.param


@pytest.fixture
def no_reader(monkeypatch) -> None:
    monkeypatch.setattr(container_tags, "pyav", lambda: None)
    monkeypatch.setattr(container_tags, "ffprobe", lambda: None)


@pytest.mark.parametrize("writer", [write_mkv_ffmetadata, write_mkv_metadata_option, write_mkv_reserved,
                                    write_mkv_pyav], ids=["ffmetadata", "metadata-option", "reserved-in-place", "pyav"])
def test_mkv_settings_come_back_as_wan2gp_wrote_them(tmp_path, reader, writer):
    if writer is write_mkv_pyav:
        pytest.importorskip("av")
    meta = settings("vace_14B", seconds=90, steps=20, resolution="1280x720", frames=81, created=T1, prompt=PROMPT)
    gen = read_output(item(writer(tmp_path / "out.mkv", meta))).generation
    assert gen is not None
    assert (gen.model_type, gen.generation_time, gen.steps, gen.width, gen.frames, gen.created, gen.kind) == \
        ("vace_14B", 90.0, 20, 1280, 81, T1, "video")


def test_the_description_tag_is_read_when_there_is_no_comment(tmp_path, reader):
    path = write_mkv_ffmetadata(tmp_path / "out.mkv", settings("t2v"), tag="description")
    assert read_output(item(path)).generation.model_type == "t2v"


def test_a_byte_order_mark_and_nul_padding_are_dropped_as_wan2gp_does(tmp_path, reader):
    path = write_mkv_tag(tmp_path / "out.mkv", "comment", '\ufeff{"model_type": "t2v"}')
    assert read_output(item(path)).generation.model_type == "t2v"


def test_a_placeholder_never_filled_in_is_no_settings(tmp_path, reader):
    result = read_output(item(write_mkv_reserved(tmp_path / "out.mkv", None)))
    assert (result.generation, result.problem) == (None, NO_TAGGED_SETTINGS)


def test_an_mp4_without_a_comment_atom_falls_back_to_its_container_tags(tmp_path, reader):
    """Wan2GP's read_metadata_from_mp4 tries ``©cmt`` with mutagen, then the comment/description tags."""
    raw = tmp_path / "raw.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=black:s=16x16:r=5:d=1",
                    "-c:v", "mpeg4", "-metadata", 'description={"model_type": "i2v"}', str(raw)],
                   check=True, capture_output=True, timeout=60)
    assert read_output(item(raw)).generation.model_type == "i2v"


@pytest.mark.parametrize("content", [b"", b"\x1aE\xdf\xa3junk", os.urandom(2048)], ids=["empty", "ebml-junk", "noise"])
def test_broken_mkv_files_are_skipped_with_a_reason(tmp_path, reader, content):
    path = tmp_path / "broken.mkv"
    path.write_bytes(content)
    result = read_output(item(path))
    assert result.generation is None and result.problem


def test_without_pyav_or_ffprobe_mkv_files_are_skipped_and_counted_with_that_reason(outputs, store, wan, no_reader):
    write_mkv_ffmetadata(outputs / "a.mkv", settings("t2v", created=T1))
    write_mp4(outputs / "b.mp4", settings("t2v", created=datetime(2026, 11, 2)))
    report = scan_usage(str(wan.root), store)
    assert len(report.generations) == 1
    assert report.skipped == {container_tags.NO_READER: 1}


def test_a_skip_for_want_of_a_reader_is_read_again_once_one_is_there(outputs, store, wan, monkeypatch):
    pytest.importorskip("av")
    write_mkv_ffmetadata(outputs / "a.mkv", settings("t2v", created=T1))
    with monkeypatch.context() as m:
        m.setattr(container_tags, "pyav", lambda: None)
        m.setattr(container_tags, "ffprobe", lambda: None)
        assert scan_usage(str(wan.root), store).generations == ()
    assert [g.model_type for g in scan_usage(str(wan.root), store).generations] == ["t2v"]


def test_an_mkv_stored_as_settingless_by_an_older_version_is_read_again(outputs, store, wan, reader):
    from wan2gp_model_tracker.usage.outputs import ReadResult

    path = write_mkv_ffmetadata(outputs / "a.mkv", settings("t2v", created=T1))
    store.update([(item(path), ReadResult(None, NO_SETTINGS))], [])
    assert [g.model_type for g in scan_usage(str(wan.root), store).generations] == ["t2v"]


def test_a_hanging_ffprobe_is_stopped_and_the_file_skipped(tmp_path, monkeypatch):
    fake = tmp_path / "ffprobe"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(container_tags, "pyav", lambda: None)
    monkeypatch.setattr(container_tags, "ffprobe", lambda: str(fake))
    monkeypatch.setattr(container_tags, "FFPROBE_TIMEOUT_SECONDS", 1)
    result = read_output(item(write_mkv_ffmetadata(tmp_path / "a.mkv", settings("t2v"))))
    assert (result.generation, result.problem) == (None, "unreadable: TimeoutExpired")


def test_vace_14b_six_generations_some_of_them_mkv_count_six(outputs, store, wan, reader):
    writers = [write_mp4, write_mkv_ffmetadata, write_mp4, write_mkv_metadata_option, write_mp4, write_mkv_reserved]
    for number, writer in enumerate(writers):
        created = datetime(2026, 11, 1 + number, 9, 0, 0)
        ext = ".mp4" if writer is write_mp4 else ".mkv"
        writer(outputs / f"2026-11-0{1 + number}-09h00m00s_seed{number}_vace{ext}",
               settings("vace_14B", seconds=100 + number, created=created, seed=number))
    report = scan_usage(str(wan.root), store)
    assert [g.model_type for g in report.generations] == ["vace_14B"] * 6
    assert report.skipped_total == 0
