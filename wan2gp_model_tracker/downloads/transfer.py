"""One HTTP transfer into a partial file that outlives the process, continued with Range requests.

Used for Hub files and plain URLs alike: whatever stopped the last run (Ctrl-C, SIGTERM, SIGKILL, a
closed Wan2GP, a dropped connection, a full disk), the bytes already in the partial file are kept and
the next request asks only for the rest. Deciding whether the result is right is the caller's job.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import queue
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .failures import Cancelled, network_failure

ProgressSink = Callable[[int, "int | None"], None]
CHUNK = 1024 * 1024
# Reconnections after the connection drops; each one that brings new bytes resets the count.
RESUME_ATTEMPTS = 5
RETRY_PAUSE_SECONDS = 0.2


def partial_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


@dataclass(frozen=True, slots=True)
class Fetched:
    size: int | None  # the full size when known: the server's, else the one expected
    sha256: str | None  # of the whole partial file, when asked for


def fetch_into(url: str, partial: str, *, filename: str, headers: Mapping[str, str], timeout: float,
               progress: ProgressSink, cancel: threading.Event, expected_size: int | None = None,
               on_resume: Callable[[int], None] = lambda offset: None, sha256: bool = False) -> Fetched:
    """Complete ``partial`` from ``url``, and (``sha256=True``) hash it on the way.

    ``on_resume(offset)`` is called once when the bytes found on disk were kept (the server answered the
    Range request). HTTP refusals propagate as ``urllib.error.HTTPError``; a lost network, after
    ``RESUME_ATTEMPTS`` tries without progress, as a network FetchError.
    """
    hashing = _Hashing(partial, sha256)
    try:
        size = _complete(url, partial, filename, headers, timeout, progress, cancel, expected_size, on_resume,
                         hashing)
        return Fetched(size, hashing.result(partial_size(partial)))
    finally:
        hashing.close()


def _complete(url: str, partial: str, filename: str, headers: Mapping[str, str], timeout: float,
              progress: ProgressSink, cancel: threading.Event, expected_size: int | None,
              on_resume: Callable[[int], None], hashing: _Hashing) -> int | None:
    attempts, first = RESUME_ATTEMPTS, True
    while True:
        have = partial_size(partial)
        if expected_size is not None and have == expected_size:
            if first and have:
                on_resume(have)
            progress(have, expected_size)
            return expected_size
        if expected_size is not None and have > expected_size:  # not a beginning of this file
            have = 0
        try:
            total = _one_request(url, partial, have, headers, timeout, progress, cancel,
                                 on_resume if first else None, expected_size, hashing)
            if total is None or partial_size(partial) >= total:
                return total
            raise ConnectionError(f"the connection closed after {partial_size(partial):,} of {total:,} bytes")
        except urllib.error.HTTPError as exc:
            if exc.code != 416 or not have:
                raise
            # Asked past the end: complete if the size is unknown, else the partial file is not this file's start.
            if expected_size is None:
                return have
            _truncate(partial)
            attempts -= 1
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as exc:
            if cancel.is_set():
                raise Cancelled() from None
            attempts = RESUME_ATTEMPTS if partial_size(partial) > have else attempts - 1
            if attempts <= 0:
                raise network_failure(filename, _host(url), exc) from exc
        except OSError:
            if cancel.is_set():  # the cancel shut the socket down under a read
                raise Cancelled() from None
            raise
        if cancel.wait(RETRY_PAUSE_SECONDS):
            raise Cancelled()
        first = False


def _one_request(url: str, partial: str, have: int, headers: Mapping[str, str], timeout: float,
                 progress: ProgressSink, cancel: threading.Event, on_resume: Callable[[int], None] | None,
                 expected_size: int | None, hashing: _Hashing) -> int | None:
    asked = {**headers, "Range": f"bytes={have}-"} if have else dict(headers)
    with urllib.request.urlopen(urllib.request.Request(url, headers=asked), timeout=timeout) as response, \
            _ended_by(cancel, response):
        if have and response.status != 206:
            have = 0  # the server ignored the Range: start again
        elif have and on_resume is not None:
            on_resume(have)
        total = _total_size(response, have) or expected_size
        hasher = hashing.at(have)
        # Unbuffered: every byte received is in the file at once, so a killed process loses none of them.
        with open(partial, "ab" if have else "wb", buffering=0) as out:
            written = have
            progress(written, total)
            # read1 returns what has arrived (up to CHUNK): progress and cancel stay prompt on slow links.
            while chunk := response.read1(CHUNK):
                if cancel.is_set():
                    raise Cancelled()
                view = memoryview(chunk)
                while view:
                    view = view[out.write(view):]
                hasher.add(chunk)
                written += len(chunk)
                progress(written, total)
    if cancel.is_set():
        raise Cancelled()
    return total


@contextlib.contextmanager
def _ended_by(cancel: threading.Event, response: http.client.HTTPResponse):
    """A cancel also ends a read waiting on a stalled connection (it shuts the socket down)."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            if cancel.is_set():
                with contextlib.suppress(OSError, ValueError), \
                        socket.fromfd(response.fileno(), socket.AF_INET, socket.SOCK_STREAM) as sock:
                    sock.shutdown(socket.SHUT_RDWR)
                return

    threading.Thread(target=watch, name="model-tracker-cancel", daemon=True).start()
    try:
        yield
    finally:
        done.set()


class _TrailingSha256:
    """The sha256 of a growing file on a helper thread: the bytes already on disk, then each chunk written.

    hashlib releases the GIL on large updates, so the hash keeps pace with the transfer instead of costing a
    second pass over the finished file.
    """

    def __init__(self, partial: str, start: int) -> None:
        self.position = start
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=16)
        self._digest = hashlib.sha256()
        self._complete = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(partial, start), name="model-tracker-sha256",
                                        daemon=True)
        self._thread.start()

    def _run(self, partial: str, start: int) -> None:
        left = start
        try:
            if left:
                with open(partial, "rb") as existing:
                    while left and not self._stop.is_set() and (block := existing.read(min(left, 8 * CHUNK))):
                        self._digest.update(block)
                        left -= len(block)
        except OSError:
            pass
        self._complete = not left
        while (chunk := self._chunks.get()) is not None:
            if not self._stop.is_set():
                self._digest.update(chunk)

    def add(self, chunk: bytes) -> None:
        self._chunks.put(chunk)
        self.position += len(chunk)

    def finish(self) -> str | None:
        self._chunks.put(None)
        self._thread.join()
        return self._digest.hexdigest() if self._complete else None

    def abandon(self) -> None:
        """Stop without waiting: a cancel must not wait for gigabytes to be hashed."""
        self._stop.set()
        self._chunks.put(None)


class _NoHash:
    position = 0

    def add(self, chunk: bytes) -> None:
        pass


class _Hashing:
    """One trailing hash per run, replaced whenever the transfer starts again from another offset."""

    def __init__(self, partial: str, wanted: bool) -> None:
        self._partial, self._wanted = partial, wanted
        self._current: _TrailingSha256 | None = None

    def at(self, offset: int) -> _TrailingSha256 | _NoHash:
        if not self._wanted:
            return _NoHash()
        if self._current is None or self._current.position != offset:
            self.close()
            self._current = _TrailingSha256(self._partial, offset)
        return self._current

    def result(self, size: int) -> str | None:
        """The hash of the first ``size`` bytes (the finished file), when asked for."""
        if not self._wanted:
            return None
        hasher = self.at(size)  # the running hash when it reached the end, else one pass over the file
        self._current = None
        return hasher.finish()

    def close(self) -> None:
        if self._current is not None:
            self._current.abandon()
            self._current = None


def _truncate(path: str) -> None:
    with open(path, "wb"):
        pass


def _total_size(response: http.client.HTTPResponse, have: int) -> int | None:
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    return have + int(length) if length and length.isdigit() else None


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
