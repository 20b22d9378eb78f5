"""A small Hugging Face Hub stand-in on 127.0.0.1: the paths-info API and file metadata on resolve URLs.

It answers with the Hub's shapes and headers (X-Repo-Commit, X-Linked-Size, X-Linked-Etag,
ETag, Content-Length, Location on LFS redirects) for the files it is given, counts the requests
it receives, and can be told to lack the paths-info API or to answer slowly.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    def __init__(self, files: dict[str, dict[str, int]], paths_info: bool = True, delay: float = 0.0) -> None:
        """``files``: repo id -> {path in repo: size}."""
        self.files = files
        self.paths_info = paths_info
        self.delay = delay
        self.requests: list[tuple[str, str]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                hub._record("POST", self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                parts = [unquote(p) for p in urlsplit(self.path).path.split("/") if p]
                # /api/models/<owner>/<name>/paths-info/<revision>
                if not hub.paths_info or len(parts) != 6 or parts[:2] != ["api", "models"] or parts[4] != "paths-info":
                    return self._send(404, b'{"error": "not found"}')
                repo = hub.files.get(f"{parts[2]}/{parts[3]}")
                if repo is None:
                    return self._send(404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"})
                answer = []
                for path in form.get("paths", []):
                    if path in repo:
                        answer.append({"type": "file", "path": path, "size": repo[path], "oid": "f" * 40,
                                       "lfs": {"oid": hub.sha(path), "size": repo[path], "pointerSize": 134}})
                return self._send(200, json.dumps(answer).encode())

            def do_GET(self) -> None:
                parts = [unquote(p) for p in urlsplit(self.path).path.split("/") if p]
                if parts[:2] != ["api", "models"]:
                    return self.do_HEAD()
                hub._record("GET", self.path)
                # /api/models/<owner>/<name>/tree/<revision>/<folder...>?recursive=true, two entries per page
                repo = hub.files.get(f"{parts[2]}/{parts[3]}") if len(parts) > 5 and parts[4] == "tree" else None
                if repo is None:
                    return self._send(404, b'{"error": "not found"}')
                prefix = "/".join(parts[6:]) + "/"
                inside = sorted(p for p in repo if p.startswith(prefix))
                page = int(parse_qs(urlsplit(self.path).query).get("page", ["0"])[0])
                answer = [{"type": "file", "path": p, "size": repo[p], "oid": "f" * 40}
                          for p in inside[2 * page:2 * page + 2]]
                answer.append({"type": "directory", "path": prefix + "sub", "oid": "d" * 40})
                headers = {}
                if 2 * page + 2 < len(inside):
                    headers["Link"] = f'<{hub.url}{urlsplit(self.path).path}?page={page + 1}>; rel="next"'
                return self._send(200, json.dumps(answer).encode(), headers)

            def do_HEAD(self) -> None:
                hub._record("HEAD", self.path)
                parts = [unquote(p) for p in urlsplit(self.path).path.split("/") if p]
                # /<owner>/<name>/resolve/<revision>/<path...>
                repo = hub.files.get("/".join(parts[:2])) if len(parts) >= 5 and parts[2] == "resolve" else None
                path = "/".join(parts[4:])
                if repo is None or path not in repo:
                    return self._send(404, b"", {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": COMMIT})
                # LFS files redirect to a CDN; the size and hash travel in the X-Linked-* headers.
                self._send(302, b"", {"X-Repo-Commit": COMMIT, "X-Linked-Size": str(repo[path]),
                                      "X-Linked-Etag": f'"{hub.sha(path)}"', "ETag": '"pointer"',
                                      "Location": f"https://cdn.example.invalid/{hub.sha(path)}"}, head=True)

            def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None, head: bool = False) -> None:
                if hub.delay:
                    time.sleep(hub.delay)
                try:
                    self.send_response(code)
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD" and body:
                        self.wfile.write(body)
                except OSError:  # the client gave up (a timeout test)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def sha(path: str) -> str:
        import hashlib

        return hashlib.sha256(path.encode()).hexdigest()

    def _record(self, method: str, path: str) -> None:
        self.requests.append((method, path))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def dead_endpoint() -> str:
    """A local address nobody listens on (connections are refused at once)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
