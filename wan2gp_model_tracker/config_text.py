"""Editing ``enabled_plugins`` in the text of wgp_config.json, leaving every other byte as it was.

Re-dumping the whole file would lose what JSON parsing forgets: duplicate keys, number
spellings (``1.0``, ``1e3``), escapes and non-ASCII text, key order quirks. Instead the top-level
object is scanned member by member, only the value of the (last, i.e. effective)
``enabled_plugins`` member is rewritten, and the result is checked to differ from the original
in that one value. When that cannot be done safely, the edit is refused with a message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

KEY = "enabled_plugins"
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class ConfigEditError(ValueError):
    """The config cannot be edited safely; the message says why and that nothing was changed."""


@dataclass(frozen=True)
class _Span:
    value: Any
    start: int
    end: int


@dataclass(frozen=True)
class _Member:
    key: str
    key_start: int
    value: _Span


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]  # the pattern always matches


def _value(text: str, pos: int) -> _Span:
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except RecursionError:
        raise ConfigEditError("it nests too deeply to be edited safely") from None
    except ValueError as exc:
        raise ConfigEditError(f"it is not valid JSON ({exc})") from exc
    return _Span(value, pos, end)


def _expect(text: str, pos: int, chars: str) -> str:
    if pos >= len(text) or text[pos] not in chars:
        raise ConfigEditError(f"it is not a JSON object as expected (at character {pos})")
    return text[pos]


def _members(text: str) -> tuple[list[_Member], int, int]:
    """Top-level members, and the positions of the object's opening and closing braces."""
    start = _skip(text, 1 if text.startswith("\ufeff") else 0)
    _expect(text, start, "{")
    members: list[_Member] = []
    pos = _skip(text, start + 1)
    if text[pos:pos + 1] == "}":
        return members, start, pos
    while True:
        _expect(text, pos, '"')
        key = _value(text, pos)
        pos = _skip(text, key.end)
        _expect(text, pos, ":")
        value = _value(text, _skip(text, pos + 1))
        members.append(_Member(key.value, key.start, value))
        pos = _skip(text, value.end)
        if _expect(text, pos, ",}") == "}":
            break
        pos = _skip(text, pos + 1)
    if text[_skip(text, pos + 1):].strip():
        raise ConfigEditError("it holds text after the JSON object")
    return members, start, pos


def _items(text: str, span: _Span) -> list[str]:
    """The source text of each item of a JSON list value, in order."""
    items = []
    pos = _skip(text, span.start + 1)
    if text[pos] == "]":
        return items
    while True:
        item = _value(text, pos)
        items.append(text[item.start:item.end])
        pos = _skip(text, item.end)
        if text[pos] == "]":
            return items
        pos = _skip(text, pos + 1)


def _indent_before(text: str, pos: int) -> str | None:
    """The whitespace that starts the line holding ``pos``, or None when other text precedes it there."""
    line_start = text.rfind("\n", 0, pos) + 1
    prefix = text[line_start:pos]
    return prefix if not prefix.strip() else None


def _list_text(items: list[str], multiline: bool, indent: str) -> str:
    if not items:
        return "[]"
    if not multiline:
        return "[" + ", ".join(items) + "]"
    inner = indent + "    "
    return "[\n" + ",\n".join(inner + item for item in items) + "\n" + indent + "]"


def _pairs(text: str) -> list[tuple[str, Any]]:
    """Members as parsed pairs, numbers and constants kept as their spelling, for comparison."""
    return json.loads(text.lstrip("\ufeff"), object_pairs_hook=list, parse_float=str, parse_int=str,
                      parse_constant=str)


def set_plugin_enabled(text: str, plugin_id: str, enable: bool) -> str | None:
    """The config text with ``plugin_id`` added to or removed from ``enabled_plugins``; None when already so."""
    members, _, close = _members(text)
    current = [m for m in members if m.key == KEY]
    if current:
        member = current[-1]  # json.load, and so Wan2GP, keeps the last of duplicate keys
        if not isinstance(member.value.value, list):
            raise ConfigEditError(f"{KEY} is a {type(member.value.value).__name__}, not a list")
        plugins = member.value.value
        if (plugin_id in plugins) == enable:
            return None
        items = _items(text, member.value)
        if enable:
            items.append(json.dumps(plugin_id))
        else:
            items = [item for item, value in zip(items, plugins, strict=True) if value != plugin_id]
        source = text[member.value.start:member.value.end]
        indent = _indent_before(text, member.key_start) or ""
        new = (text[:member.value.start] + _list_text(items, "\n" in source, indent) + text[member.value.end:])
        expected = [list(pair) for pair in _pairs(text)]
        index = max(i for i, (key, _) in enumerate(expected) if key == KEY)
        expected[index][1] = [p for p in _pairs("{\"v\": " + source + "}")[0][1] if p != plugin_id]
        if enable:
            expected[index][1].append(plugin_id)
    else:
        if not enable:
            return None
        entry = json.dumps(KEY) + ": " + _list_text([json.dumps(plugin_id)], "\n" in text, _members_indent(text,
                                                                                                    members))
        if members:
            last = members[-1]
            indent = _indent_before(text, last.key_start)
            separator = ",\n" + indent if indent is not None else ", "
            new = text[:last.value.end] + separator + entry + text[last.value.end:]
        else:
            new = text[:close] + ("\n    " + entry + "\n" if "\n" in text else entry) + text[close:]
        expected = [list(pair) for pair in _pairs(text)] + [[KEY, [plugin_id]]]
    if [list(pair) for pair in _pairs(new)] != expected:
        raise ConfigEditError(f"editing {KEY} would have changed other settings")
    return new


def _members_indent(text: str, members: list[_Member]) -> str:
    if members:
        return _indent_before(text, members[-1].key_start) or ""
    return ""
