"""Why a file could not be fetched, in words: one ``FetchError`` kind per cause, whichever library raised it.

huggingface_hub's exception classes differ between its 0.x and 1.x/2.x lines (``RemoteEntryNotFoundError``
exists only from 1.0; 0.36's ``LocalEntryNotFoundError`` is a kind of ``EntryNotFoundError``), so classes are
looked up by name and the HTTP status decides when no class matches.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping

LOGIN_HINT = "log in with `hf auth login` (or set HF_TOKEN)"


class FetchError(Exception):
    """One file could not be fetched; ``kind`` says why (for exit codes and the queue's state).

    Kinds: not_found, gated, auth, network, http, disk_full, size, checksum, busy, error, cancelled.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Cancelled(FetchError):
    def __init__(self) -> None:
        super().__init__("cancelled", "cancelled")


def _hub_error_class(name: str) -> type | None:
    try:
        from huggingface_hub import errors
    except ImportError:  # a release without the module: the HTTP status decides
        return None
    found = getattr(errors, name, None)
    return found if isinstance(found, type) else None


def _is(exc: BaseException, *names: str) -> bool:
    return any(cls is not None and isinstance(exc, cls) for cls in map(_hub_error_class, names))


def _status(exc: BaseException) -> int | None:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


def gated(filename: str, repo: str, endpoint: str) -> FetchError:
    return FetchError("gated", f"{filename}: {repo} is gated: accept its licence at {endpoint}/{repo} while logged "
                               f"in on that site, then {LOGIN_HINT}")


def http_failure(filename: str, url: str, status: int) -> FetchError:
    """A refusal by a web server for ``url``."""
    if status in (401, 403):
        return FetchError("auth", f"{filename}: the server refused access (HTTP {status}: a login or permission "
                                  f"is needed) for {url}")
    if status == 404:
        return FetchError("not_found", f"{filename}: not found (HTTP 404) at {url}")
    if status >= 500:
        return FetchError("http", f"{filename}: the server failed (HTTP {status}) for {url}; try again later")
    return FetchError("http", f"{filename}: the server answered HTTP {status} for {url}")


def hub_http_failure(filename: str, repo: str, endpoint: str, status: int, headers: Mapping[str, str]) -> FetchError:
    """A refusal while the Hub (or its file server) sends a file's bytes."""
    if headers.get("X-Error-Code", "").startswith("Gated"):
        return gated(filename, repo, endpoint)
    if status in (401, 403):
        return FetchError("auth", f"{filename}: the Hub refused access to {repo} (HTTP {status}); {LOGIN_HINT}")
    return http_failure(filename, f"{endpoint}/{repo}", status)


def network_failure(filename: str, where: str, exc: BaseException) -> FetchError:
    return FetchError("network", f"{filename}: cannot reach {where} (network: {_reason(exc)}); what was received "
                                 "is kept for the next try")


def unexpected(filename: str, exc: BaseException) -> FetchError:
    """Anything else (a library that changed, a bug): still a failed download of this file, said so."""
    return FetchError("error", f"{filename}: the download stopped on an unexpected error ({type(exc).__name__}: "
                               f"{_reason(exc)}); the bytes on disk are kept for the next try")


def _is_network(exc: BaseException) -> bool:
    """A failure to talk to the server: an OSError in the exception's chain, or an httpx transport error.

    requests' errors (huggingface_hub 0.x) are OSErrors; httpx's and httpx2's (1.x, 2.x) are not, but wrap one,
    except the timeouts httpx raises itself, whose classes derive from its TransportError.
    """
    seen: BaseException | None = exc
    for _ in range(10):  # a chain is short; a cycle must not hang
        if seen is None:
            return False
        if isinstance(seen, OSError) or any(cls.__name__ == "TransportError" for cls in type(seen).__mro__):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def disk_full(filename: str, path: str) -> FetchError:
    return FetchError("disk_full", f"{filename}: the disk is full while writing {path}; the bytes already written "
                                   "are kept: free some space and run the download again to continue")


def hub_failure(exc: BaseException, filename: str, repo: str, path_in_repo: str, revision: str,
                endpoint: str) -> FetchError:
    """What huggingface_hub raised while asking the Hub about a file, as a FetchError naming the file."""
    status = _status(exc)
    if _is(exc, "GatedRepoError"):
        return gated(filename, repo, endpoint)
    if _is(exc, "RepositoryNotFoundError"):
        return FetchError("auth", f"{filename}: the repository {repo} was not found or needs a login "
                                  f"(HTTP {status or 401}): check {endpoint}/{repo}, then {LOGIN_HINT}")
    if _is(exc, "RevisionNotFoundError"):
        return FetchError("not_found", f"{filename}: {repo} has no revision {revision} (HTTP 404)")
    if _is(exc, "OfflineModeIsEnabled"):
        return FetchError("network", f"{filename}: not downloaded because HF_HUB_OFFLINE is set")
    # 0.36's LocalEntryNotFoundError is an EntryNotFoundError too, but means "no network": ask it first.
    if _is(exc, "LocalEntryNotFoundError"):
        return network_failure(filename, endpoint, exc)
    if _is(exc, "RemoteEntryNotFoundError", "EntryNotFoundError") or status == 404:
        return FetchError("not_found", f"{filename}: {path_in_repo} is not in {repo} at {revision} (HTTP 404)")
    if status is not None:
        headers = getattr(getattr(exc, "response", None), "headers", None) or {}
        return hub_http_failure(filename, repo, endpoint, status, headers)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return disk_full(filename, exc.filename or "the target folder")
    if _is_network(exc):
        return network_failure(filename, endpoint, exc)
    return unexpected(filename, exc)
