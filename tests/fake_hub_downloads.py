"""A stand-in for the Hugging Face Hub serving file contents, and a plain file server, on 127.0.0.1.

``/<owner>/<repo>/resolve/<rev>/<path>`` answers like the Hub (X-Repo-Commit, X-Linked-Size,
X-Linked-Etag, ETag, Content-Length, Accept-Ranges and Range requests); ``/files/<name>`` is a
plain server with Range support. Every GET is counted per path so tests can tell a download
from a reuse; switches make the server drop a connection once, lie about a checksum, or refuse.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "a" * 40


@dataclass
class Served:
    data: bytes
    sha256: str = ""
    drop_once_at: int | None = None  # close the connection after this many bytes, the first time
    status: int = 200
    error_code: str = ""  # the Hub's X-Error-Code, e.g. GatedRepo
    delay: float = 0.0  # seconds to sleep per 64 KiB, to make a transfer slow enough to cancel

    def __post_init__(self) -> None:
        self.sha256 = self.sha256 or hashlib.sha256(self.data).hexdigest()


@dataclass
class FakeHub:
    files: dict[str, Served] = field(default_factory=dict)
    gets: Counter = field(default_factory=Counter)
    url: str = ""

    def add(self, path: str, data: bytes, **options) -> Served:
        self.files[path.lstrip("/")] = served = Served(data, **options)
        return served


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _lookup(self) -> tuple[str, Served | None]:
            path = self.path.split("?", 1)[0].lstrip("/")
            return path, hub.files.get(path)

        def _headers(self, served: Served, length: int, status: int, extra: dict[str, str]) -> None:
            self.send_response(status)
            headers = {"Content-Length": str(length), "Accept-Ranges": "bytes", "X-Repo-Commit": COMMIT,
                       "X-Linked-Size": str(len(served.data)), "X-Linked-Etag": f'"{served.sha256}"',
                       "ETag": f'"{served.sha256}"', "Content-Type": "application/octet-stream", **extra}
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()

        def _refuse(self, served: Served | None) -> bool:
            if served is not None and served.status == 200:
                return False
            status = served.status if served else 404
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.send_header("X-Error-Code", served.error_code if served else "EntryNotFound")
            self.send_header("X-Error-Message", "refused by the test server")
            self.end_headers()
            return True

        def do_HEAD(self) -> None:
            _, served = self._lookup()
            if not self._refuse(served):
                self._headers(served, len(served.data), 200, {})

        def do_GET(self) -> None:
            path, served = self._lookup()
            hub.gets[path] += 1
            if self._refuse(served):
                return
            start = 0
            extra = {}
            status = 200
            if (rng := self.headers.get("Range", "")).startswith("bytes="):
                start = int(rng[6:].split("-", 1)[0] or 0)
                status = 206
                extra["Content-Range"] = f"bytes {start}-{len(served.data) - 1}/{len(served.data)}"
            body = served.data[start:]
            self._headers(served, len(body), status, extra)
            if served.drop_once_at is not None and start < served.drop_once_at:
                cut = served.drop_once_at - start
                served.drop_once_at = None
                self.wfile.write(body[:cut])
                self.wfile.flush()
                self.close_connection = True
                return
            for offset in range(0, len(body), 65536):
                if served.delay:
                    threading.Event().wait(served.delay)
                try:
                    self.wfile.write(body[offset:offset + 65536])
                except OSError:
                    return

    return Handler


class FakeHubServer:
    """Context manager: a running FakeHub; ``.hub.url`` is its endpoint."""

    def __init__(self) -> None:
        self.hub = FakeHub()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.hub))
        self._server.daemon_threads = True
        self.hub.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self.hub

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
