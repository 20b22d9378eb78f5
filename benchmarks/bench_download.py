"""What a download costs: bytes fetched again on a resume, and throughput against ``hf_hub_download`` alone.

Both are measured against the project's fake Hub (tests/fake_hub.py) on 127.0.0.1, with the huggingface_hub
that is installed:

- **resume**: the tracker's download of one file is stopped once part of it is on disk, then run again; the
  server counts the bytes it sends. "re-fetched" is what the second run asked for that was already on disk
  (target: 0). The same partial file is then handed to ``hf_hub_download`` (what Wan2GP runs) for comparison.
- **throughput**: the same file fetched by ``fetch_file`` (transfer with its sha256, then the checks and the
  rename), by its transfer alone (``transfer.fetch_into``, no hash) and by ``hf_hub_download(local_dir=...)``
  (which checks the size only), in turn, into fresh folders; the server runs in a child process so that it
  does not share the clients' interpreter; once unlimited, once held to a line's rate (``--link-mb-s``).
  Ratios (hf_hub_download's time over the tracker's) are medians over the rounds. Target: the tracker at
  >= 0.9x hf_hub_download.

    python benchmarks/bench_download.py                      # 256 MB, 5 repeats
    python benchmarks/bench_download.py --size-mb 64 --repeat 15 --dir /dev/shm --json

Figures are printed, never asserted: they depend on the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))

from fake_hub import CHUNK, FakeHub  # noqa: E402

from wan2gp_model_tracker.downloads.fetch import Cancelled, FetchOptions, fetch_file  # noqa: E402
from wan2gp_model_tracker.downloads.plan import PlannedFile  # noqa: E402
from wan2gp_model_tracker.downloads.transfer import fetch_into  # noqa: E402
from wan2gp_model_tracker.hub.urls import HubFile  # noqa: E402

REPO = "Bench/Weights"
NAME = "bench.safetensors"
KEY = f"{REPO}/resolve/main/{NAME}"


def payload(size: int) -> bytes:
    """Incompressible, reproducible bytes (a hash chain), so that no layer can shortcut the transfer."""
    block = hashlib.sha256(b"bench").digest() * 32768  # 1 MiB
    return (block * (size // len(block) + 1))[:size]


def item(folder: Path) -> PlannedFile:
    return PlannedFile(NAME, f"https://huggingface.co/{KEY}", str(folder / NAME), None, True, ("bench",),
                       hub=HubFile(REPO, "main", NAME))


def quiet_hf_hub_download(endpoint: str, folder: Path) -> str:
    from huggingface_hub import hf_hub_download

    return hf_hub_download(REPO, NAME, local_dir=str(folder), endpoint=endpoint)


# --- resume ----------------------------------------------------------------------------------------------

def measure_resume(size: int, stop_at: int) -> dict[str, Any]:
    data = payload(size)
    with FakeHub() as hub, tempfile.TemporaryDirectory() as tmp:
        hub.add(KEY, data)
        folder = Path(tmp)
        options = FetchOptions(endpoint=hub.url, timeout=30)
        cancel = threading.Event()

        def stop_early(done: int, total: int | None) -> None:
            if done >= stop_at:
                cancel.set()

        with contextlib.suppress(Cancelled):
            fetch_file(item(folder), stop_early, cancel, options)
        [partial] = list(folder.rglob("*.incomplete"))
        on_disk = partial.stat().st_size
        kept = partial.read_bytes()
        first_run = hub.bytes_sent[KEY]

        resumed_at: list[int] = []
        fetch_file(item(folder), lambda done, total: None, threading.Event(), options, on_resume=resumed_at.append)
        second_run = hub.bytes_sent[KEY] - first_run
        exact = (folder / NAME).read_bytes() == data

        # The same partial file, handed to huggingface_hub's own download (as Wan2GP would run it).
        hf_folder = folder / "hf"
        hf_partial = hf_folder / partial.relative_to(folder)
        hf_partial.parent.mkdir(parents=True)
        hf_partial.write_bytes(kept)
        before = hub.bytes_sent[KEY]
        quiet_hf_hub_download(hub.url, hf_folder)
        hf_run = hub.bytes_sent[KEY] - before
    return {"size": size, "on_disk_before_resume": on_disk, "resumed_at": resumed_at[0] if resumed_at else 0,
            "second_run_bytes": second_run, "refetched_bytes": second_run - (size - on_disk),
            "file_exact": exact, "hf_hub_download_bytes": hf_run, "hf_refetched_bytes": hf_run - (size - on_disk)}


# --- throughput ------------------------------------------------------------------------------------------

def serve(size: int, link_mb_s: float) -> None:
    """Child mode: serve the payload (at about ``link_mb_s`` when given), print the endpoint, stop at stdin's end."""
    with FakeHub() as hub:
        hub.add(KEY, payload(size), chunk_delay=CHUNK / (link_mb_s * 1e6) if link_mb_s else 0.0)
        print(hub.url, flush=True)
        sys.stdin.read()


def measure_throughput(size: int, repeat: int, folder: str | None, link_mb_s: float = 0.0) -> dict[str, Any]:
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(size), "--link-mb-s", str(link_mb_s)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        endpoint = server.stdout.readline().strip()
        ours, hashed, transfer_only, theirs = [], [], [], []
        for _ in range(repeat):  # alternately, so that a busy moment of the machine hits each client
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                verified_at: list[float] = []
                start = time.perf_counter()
                fetch_file(item(Path(tmp)), lambda done, total: None, threading.Event(),
                           FetchOptions(endpoint=endpoint, timeout=30),
                           on_verify=lambda marks=verified_at: marks.append(time.perf_counter()))
                ours.append(time.perf_counter() - start)
                hashed.append(verified_at[0] - start)
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                start = time.perf_counter()
                fetch_into(f"{endpoint}/{KEY}", str(Path(tmp) / NAME), filename=NAME, headers={}, timeout=30,
                           progress=lambda done, total: None, cancel=threading.Event())
                transfer_only.append(time.perf_counter() - start)
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                start = time.perf_counter()
                quiet_hf_hub_download(endpoint, Path(tmp))
                theirs.append(time.perf_counter() - start)
    finally:
        server.stdin.close()
        server.wait(30)

    def mb_s(seconds: list[float]) -> float:
        return size / statistics.median(seconds) / 1e6

    def ratio(mine: list[float]) -> float:
        return statistics.median(t / o for t, o in zip(theirs, mine, strict=True))

    return {"size": size, "repeat": repeat, "link_mb_s": link_mb_s or None,
            "tracker_mb_s": mb_s(ours), "tracker_until_hashed_mb_s": mb_s(hashed),
            "transfer_only_mb_s": mb_s(transfer_only), "hf_hub_download_mb_s": mb_s(theirs),
            "ratio": ratio(ours), "transfer_only_ratio": ratio(transfer_only),
            "tracker_s": ours, "transfer_only_s": transfer_only, "hf_hub_download_s": theirs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=256, help="size of the file fetched (MB)")
    parser.add_argument("--repeat", type=int, default=5, help="downloads per client for the throughput")
    parser.add_argument("--dir", help="where the files are written (default: the system's temporary folder; "
                                      "/dev/shm takes the disk's own variations out of the comparison)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--link-mb-s", type=float, default=100.0,
                        help="also measure with the server held to about this rate (default 100 MB/s, a 1 Gbit/s "
                             "line); 0 skips it")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.link_mb_s)
        return 0
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import huggingface_hub

    size = args.size_mb * 1_000_000
    result = {"huggingface_hub": huggingface_hub.__version__, "python": platform.python_version(),
              "resume": measure_resume(size, size * 2 // 5),
              "throughput": measure_throughput(size, args.repeat, args.dir),
              "throughput_on_a_link": measure_throughput(size, args.repeat, args.dir, args.link_mb_s)
              if args.link_mb_s else None}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    resume, speed = result["resume"], result["throughput"]
    print(f"huggingface_hub {result['huggingface_hub']}, Python {result['python']}, file {size / 1e6:.0f} MB")
    print(f"resume: {resume['on_disk_before_resume']:,} bytes on disk; the tracker's second run fetched "
          f"{resume['second_run_bytes']:,} bytes, re-fetched {resume['refetched_bytes']:,} "
          f"(file exact: {resume['file_exact']}); hf_hub_download given the same partial file re-fetched "
          f"{resume['hf_refetched_bytes']:,}")
    for speed in (result["throughput"], result["throughput_on_a_link"]):
        if speed is None:
            continue
        where = f"server held to ~{speed['link_mb_s']:.0f} MB/s" if speed["link_mb_s"] else "server unlimited"
        print(f"throughput, {where} (median of {speed['repeat']}): hf_hub_download "
              f"{speed['hf_hub_download_mb_s']:.0f} MB/s; tracker {speed['tracker_mb_s']:.0f} MB/s with its sha256 "
              f"check ({speed['ratio']:.2f}x), its transfer alone {speed['transfer_only_mb_s']:.0f} MB/s "
              f"({speed['transfer_only_ratio']:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
