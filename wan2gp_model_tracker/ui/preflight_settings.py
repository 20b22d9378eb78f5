"""Whether the pre-flight line shows, remembered in the tracker's own settings file in its data folder."""

from __future__ import annotations

import logging
import os
import threading

from ..fileio import read_json_file, write_json_atomic
from ..usage.store import data_dir

log = logging.getLogger(__name__)

SETTINGS_FILENAME = "settings.json"
PREFLIGHT_KEY = "preflight_line"


class TrackerSettings:
    """The tracker's settings file (``<data dir>/settings.json``): read once, written atomically on change.

    A missing, unreadable or hostile file means the defaults; keys this version does not know are kept."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or os.path.join(data_dir(), SETTINGS_FILENAME)
        self._lock = threading.Lock()
        self._values: dict | None = None

    def _load(self) -> dict:
        if self._values is None:
            try:
                values = read_json_file(self.path)
            except FileNotFoundError:
                values = {}
            except (OSError, ValueError) as exc:  # fileio's JSONFileError is a ValueError
                log.warning("Model Tracker: ignoring the settings file %s: %s", self.path, exc)
                values = {}
            self._values = values if isinstance(values, dict) else {}
        return self._values

    @property
    def preflight_enabled(self) -> bool:
        with self._lock:
            value = self._load().get(PREFLIGHT_KEY, True)
        return value if isinstance(value, bool) else True

    def set_preflight_enabled(self, enabled: bool) -> None:
        """Remember the choice; a folder that cannot be written keeps it for this run only (and says so once)."""
        with self._lock:
            values = {**self._load(), PREFLIGHT_KEY: bool(enabled)}
            self._values = values
            try:
                os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
                write_json_atomic(self.path, values)
            except OSError as exc:
                log.warning("Model Tracker: could not save %s: %s", self.path, exc)
