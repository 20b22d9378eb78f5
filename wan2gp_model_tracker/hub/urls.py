"""Hugging Face file URLs as Wan2GP's definitions write them: ``https://huggingface.co/<repo>/resolve/<rev>/<path>``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

DEFAULT_ENDPOINT = "https://huggingface.co"


@dataclass(frozen=True, slots=True)
class HubFile:
    """One file of a Hub repository, at a revision."""

    repo_id: str
    revision: str
    path_in_repo: str

    @property
    def filename(self) -> str:
        return self.path_in_repo.rsplit("/", 1)[-1]

    @property
    def is_folder(self) -> bool:
        """A folder fetched whole (a ``/tree/`` URL); its path ends with "/"."""
        return self.path_in_repo.endswith("/")


def parse_hub_url(entry: str) -> HubFile | None:
    """The Hub file an entry downloads, or None for any other URL or local path.

    A ``|folder`` suffix (Wan2GP's target folder) is ignored; only model repositories on
    huggingface.co are recognised, since that is where every catalog entry points. A
    ``/tree/<rev>/<folder>`` URL names a whole folder (a handler asset Wan2GP fetches whole).
    """
    if not isinstance(entry, str) or not entry.startswith("http"):
        return None
    return _parse(entry)


# Every refresh asks again about the same few thousand catalog URLs; HubFile is frozen, so answers are shared.
@lru_cache(maxsize=1 << 16)
def _parse(entry: str) -> HubFile | None:
    try:
        url = urlsplit(entry.split("|", 1)[0])
        host = url.hostname
    except ValueError:  # e.g. an unbalanced "[" taken for an IPv6 address
        return None
    if url.scheme != "https" or host != "huggingface.co":
        return None
    parts = [unquote(p) for p in url.path.split("/") if p]
    # <owner>/<name>/resolve/<revision>/<path...>  or  <owner>/<name>/tree/<revision>/<folder...>
    if len(parts) < 5 or parts[2] not in ("resolve", "tree") or any(p in (".", "..") for p in parts):
        return None
    path = "/".join(parts[4:]) + ("/" if parts[2] == "tree" else "")
    return HubFile(repo_id=f"{parts[0]}/{parts[1]}", revision=parts[3], path_in_repo=path)
