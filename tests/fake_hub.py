"""A stand-in for the Hugging Face Hub on 127.0.0.1, for exact sizes and for downloads alike.

Files are registered under the path of their URL: ``resolve(repo, path)`` for a file in a Hub
repository, ``files/<name>`` for a file on a plain web server. A file given with its contents is
served from here (HEAD, GET, Range requests) with the Hub's headers (X-Repo-Commit, X-Linked-Size,
X-Linked-Etag, ETag, Content-Length); a file given only a size has no bytes here and, like an LFS
file on the Hub, its resolve URL redirects to a CDN (Location) that tests never reach. For each
repository the server also answers the paths-info API and the tree API. Every request is logged (and
the first byte each Range request asked for); switches on the server and on each file make it slow,
lack paths-info, drop a connection once, lie about a checksum or refuse with the Hub's error codes.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"
POINTER_OID = "f" * 40  # the git id of a file's LFS pointer, as the Hub gives it
TREE_PAGE = 2  # entries per page of the tree API, so that a small folder already takes two pages
CHUNK = 65536


def resolve(repo: str, path: str, revision: str = "main") -> str:
    """The URL path the Hub serves ``path`` of ``repo`` at: the key a file is registered under."""
    return f"{repo}/resolve/{revision}/{path}"


def in_repo(repo: str, files: Mapping[str, bytes | int], revision: str = "main") -> dict[str, bytes | int]:
    """``files`` (path in repo -> contents or size) keyed by their resolve URL paths."""
    return {resolve(repo, path, revision): content for path, content in files.items()}


@dataclass
class Served:
    """One file the server knows; a test changes its fields to make the server misbehave."""

    data: bytes | None  # None: only the size is known, and the resolve URL redirects to a CDN
    size: int
    sha256: str
    drop_once_at: int | None = None  # close the connection after this many bytes, the first time
    status: int = 200
    error_code: str = ""  # the Hub's X-Error-Code with a refusal, e.g. GatedRepo
    chunk_delay: float = 0.0  # seconds per 64 KiB sent, to make a transfer slow enough to cancel
    honours_ranges: bool = True  # False: a server that answers a Range request with the whole file (200)
    pause_at: int | None = None  # the first time, send the bytes before this offset, then wait for `released`
    released: threading.Event = field(default_factory=threading.Event)


class FakeHub:
    """The server, running inside ``with``: ``url`` is its endpoint, ``requests`` what it was asked."""

    def __init__(self, files: Mapping[str, bytes | int] | None = None, *, paths_info: bool = True,
                 delay: float = 0.0) -> None:
        self.files: dict[str, Served] = {}
        self.paths_info = paths_info  # False: an endpoint without the paths-info API (404)
        self.delay = delay  # seconds before every answer, to make the whole endpoint slow
        self.requests: list[tuple[str, str]] = []  # (method, path with query), in arrival order
        self.ranges: list[tuple[str, int]] = []  # (URL path, first byte asked) of every GET with a Range header
        self.bytes_sent: Counter[str] = Counter()  # bytes of file contents sent, per URL path
        for path, content in (files or {}).items():
            self.add(path, content)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)

    def add(self, path: str, content: bytes | int, *, sha256: str = "", **options) -> Served:
        """Serve ``content`` at URL ``path``: its bytes, or (an int) only a size for metadata.

        The sha256 is the contents' own unless given (a lie); a size-only file gets one made from its path.
        """
        key = path.lstrip("/")
        data = content if isinstance(content, bytes) else None
        size = len(data) if data is not None else content
        sha256 = sha256 or hashlib.sha256(key.encode() if data is None else data).hexdigest()
        self.files[key] = served = Served(data, size, sha256, **options)
        return served

    @property
    def gets(self) -> Counter[str]:
        """GET requests per URL path (no query), to tell a download from a reuse."""
        return Counter(unquote(urlsplit(path).path).lstrip("/") for method, path in self.requests if method == "GET")

    def repo_files(self, repo: str, revision: str) -> dict[str, Served]:
        """What the APIs list for a repository at a revision: path in repo -> file."""
        prefix = resolve(repo, "", revision)
        return {key[len(prefix):]: served for key, served in self.files.items() if key.startswith(prefix)}

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for served in self.files.values():  # let paused answers finish
            served.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_HEAD(self) -> None:
            hub.requests.append((self.command, self.path))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if hub.delay:
                time.sleep(hub.delay)
            url = urlsplit(self.path)
            parts = [unquote(p) for p in url.path.split("/") if p]
            if parts[:2] == ["api", "models"] and len(parts) >= 6:
                repo, api, revision = f"{parts[2]}/{parts[3]}", parts[4], parts[5]
                if self.command == "POST" and api == "paths-info" and len(parts) == 6 and hub.paths_info:
                    return self._paths_info(repo, revision, parse_qs(body.decode()).get("paths", []))
                if self.command == "GET" and api == "tree":
                    return self._tree(repo, revision, "/".join(parts[6:]), url.path, url.query)
            if self.command == "POST" or parts[:1] == ["api"]:
                return self._send(404, {"Content-Type": "application/json"}, b'{"error": "not found"}')
            self._file("/".join(parts), on_hub=len(parts) >= 5 and parts[2] == "resolve")

        do_GET = do_POST = do_HEAD

        def _paths_info(self, repo: str, revision: str, paths: list[str]) -> None:
            files = hub.repo_files(repo, revision)
            if not files:
                return self._json(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
            self._json(200, [{"type": "file", "path": path, "size": files[path].size, "oid": POINTER_OID,
                              "lfs": {"oid": files[path].sha256, "size": files[path].size, "pointerSize": 134}}
                             for path in paths if path in files])

        def _tree(self, repo: str, revision: str, folder: str, path: str, query: str) -> None:
            """A recursive listing, TREE_PAGE files a page plus a sub-folder entry, with the Hub's Link header."""
            files = hub.repo_files(repo, revision)
            if not files:
                return self._json(404, {"error": "not found"})
            inside = sorted(p for p in files if p.startswith(folder + "/"))
            page = int(parse_qs(query).get("page", ["0"])[0])
            first = TREE_PAGE * page
            answer = [{"type": "file", "path": p, "size": files[p].size, "oid": POINTER_OID}
                      for p in inside[first:first + TREE_PAGE]]
            answer.append({"type": "directory", "path": folder + "/sub", "oid": "d" * 40})
            more = {"Link": f'<{hub.url}{path}?page={page + 1}>; rel="next"'} if first + TREE_PAGE < len(inside) else {}
            self._json(200, answer, more)

        def _file(self, key: str, on_hub: bool) -> None:
            served = hub.files.get(key)
            if served is None or served.status != 200:
                refusal = {"X-Error-Code": served.error_code if served else "EntryNotFound",
                           "X-Error-Message": "refused by the test server"}
                if served is None:
                    refusal["X-Repo-Commit"] = COMMIT  # the repository answered; the file is not in it
                return self._send(served.status if served else 404, refusal if on_hub else {})
            hub_headers = {"X-Repo-Commit": COMMIT, "X-Linked-Size": str(served.size),
                           "X-Linked-Etag": f'"{served.sha256}"'} if on_hub else {}
            if served.data is None:  # no bytes here: the Hub's redirect of an LFS file to its CDN
                return self._send(302, {**hub_headers, "ETag": f'"{POINTER_OID}"',
                                        "Location": f"https://cdn.example.invalid/{served.sha256}"})
            self._contents(key, served, served.data,
                           {**hub_headers, "ETag": f'"{served.sha256}"'} if on_hub else {})

        def _contents(self, key: str, served: Served, data: bytes, headers: dict[str, str]) -> None:
            start, status = 0, 200
            headers = {**headers, "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
            asked = self.headers.get("Range", "") if served.honours_ranges else ""
            if self.command == "GET" and asked.startswith("bytes="):
                start, status = int(asked[6:].split("-", 1)[0] or 0), 206
                hub.ranges.append((key, start))
                if start >= served.size:
                    return self._send(416, {"Content-Range": f"bytes */{served.size}"})
                headers["Content-Range"] = f"bytes {start}-{served.size - 1}/{served.size}"
            body = memoryview(data)[start:]
            self._send(status, {**headers, "Content-Length": str(len(body))})
            if self.command == "HEAD":
                return
            if served.drop_once_at is not None and start < served.drop_once_at:
                body, served.drop_once_at = body[:served.drop_once_at - start], None
                self.close_connection = True
            pause = served.pause_at - start if served.pause_at is not None and served.pause_at >= start else None
            try:
                if pause is not None and pause < len(body):
                    served.pause_at = None
                    self._body(key, served, body[:pause])
                    served.released.wait(60)  # a test stops (or kills) the client meanwhile
                    body = body[pause:]
                self._body(key, served, body)
            except OSError:  # the client gave up (a cancel)
                self.close_connection = True

        def _body(self, key: str, served: Served, body: bytes) -> None:
            view = memoryview(body)
            for offset in range(0, len(view), CHUNK):
                if served.chunk_delay:
                    time.sleep(served.chunk_delay)
                self.wfile.write(view[offset:offset + CHUNK])
                hub.bytes_sent[key] += len(view[offset:offset + CHUNK])
            self.wfile.flush()

        def _json(self, status: int, value: object, headers: dict[str, str] | None = None) -> None:
            self._send(status, {**(headers or {}), "Content-Type": "application/json"}, json.dumps(value).encode())

        def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
            """Status and headers, and ``body`` unless HEAD; Content-Length is the body's unless given."""
            try:
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                if body and self.command != "HEAD":
                    self.wfile.write(body)
            except OSError:  # the client gave up (a timeout test)
                self.close_connection = True

    return Handler


def dead_endpoint() -> str:
    """A local address nobody listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
