"""Helpers for tests that feed the tracker hostile input: time bounds, Markdown and tree checks."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")


def within(seconds: float, action: Callable[..., Any], *args: Any) -> Any:
    """``action(*args)``, failing the test if it has not returned after ``seconds`` (a hang).

    The call runs in a daemon thread, so a real hang costs the test its time, not the session.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = action(*args)
        except BaseException as exc:  # handed back to the test below
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"{getattr(action, '__name__', action)} did not return within {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def raw_html(markdown: str) -> list[str]:
    """Raw HTML a Markdown renderer would pass through to the page (empty when there is none)."""
    found = []
    stack = list(_MARKDOWN.parse(markdown))
    while stack:
        token = stack.pop()
        if token.type in ("html_inline", "html_block"):
            found.append(token.content)
        stack.extend(token.children or ())
    return found


def foreign_tags(html_text: str) -> list[str]:
    """Tags in HTML the tab writes (its summary chips are ``div``/``span``) that it did not write itself."""
    return re.findall(r"<(?!/?(?:div|span)[\s>])[^>]*>", html_text)


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``root`` with its size and mtime, links not followed."""
    snapshot = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            snapshot[os.path.relpath(path, root)] = (st.st_size, st.st_mtime_ns)
    return snapshot
