"""Recommendations per task (from fit/recommendations.py) as terminal text, Markdown or JSON."""

from __future__ import annotations

import json
from typing import Any

from .formatting import printable, status_label, terminal_text
from .markdown import md_escape


def recommendations_dict(result: Any) -> dict[str, Any]:
    return {
        "vram_budget_gb": result.vram_budget_gb,
        "ram_gb": result.ram_gb,
        "tasks": [
            {"output_type": group.output_type, "task": group.task, "picks": [
                {"model_type": p.model_type, "name": p.name, "status": p.status.value, "fit": p.fit.as_contract(),
                 "download_gb": p.download_gb, "download_is_estimate": p.download_is_estimate,
                 "quality_tier": p.quality_tier, "speed_tier": p.speed_tier, "metrics_source": p.metrics_source}
                for p in group.picks]}
            for group in result.groups
        ],
        "suggestions": [{"title": s.title, "detail": s.detail, "source": s.source} for s in result.suggestions],
        "fastest_downloaded": [
            {"output_type": p.output_type, "model_type": p.model_type, "name": p.name, "speed_tier": p.speed_tier,
             "measured": None if p.measured is None else {"runs": p.measured.runs, "summary": p.measured.short()}}
            for p in getattr(result, "fastest", ())],
    }


def render_recommendations(result: Any, fmt: str = "table") -> str:
    """Recommendations per task (from recommendations.recommend) as text, Markdown or JSON."""
    if fmt == "json":
        return printable(json.dumps(recommendations_dict(result), indent=2, ensure_ascii=False))
    markdown = fmt == "markdown"
    esc = md_escape if markdown else terminal_text
    ram = f", {result.ram_gb:g} GB RAM" if result.ram_gb else ""
    lines = [f"{'# ' if markdown else ''}Best models for {result.vram_budget_gb:g} GB of VRAM{ram}", ""]
    for group in result.groups:
        lines.append(f"{'## ' if markdown else ''}{group.output_type} — {group.task}")
        for pick in group.picks:
            if pick.downloaded:
                cost = "ready"
            elif pick.download_gb is None or pick.download_gb == 0:  # 0: under 0.05 GB, or files of unknown size
                cost = "? to download"
            else:
                cost = f"{'~' if pick.download_is_estimate else ''}{pick.download_gb:g} GB to download"
            lines.append(f"{'-' if markdown else ' '} {status_label(pick.status)} {esc(pick.name)} "
                         f"({esc(pick.model_type)}): {pick.fit.verdict}, {cost}; quality {pick.quality_tier or '?'}, "
                         f"speed {pick.speed_tier or '?'}"
                         + (f" — {esc(pick.fit.profile_hint)}" if pick.fit.profile_hint else ""))
        lines.append("")
    fastest = getattr(result, "fastest", ())
    if fastest:
        lines.append(f"{'## ' if markdown else ''}Fastest model you have")
        for pick in fastest:
            how = (f"measured on this machine: {pick.measured.short()}"
                   + (f", scaled to {pick.measured.reference}" if pick.measured.reference else "")
                   if pick.measured is not None
                   else f"speed tier {pick.speed_tier or '?'} (published or estimated; no run of yours measured)")
            lines.append(f"{'-' if markdown else ' '} {pick.output_type}: {esc(pick.name)} ({esc(pick.model_type)}) "
                         f"— {how}")
        lines.append("")
    if result.suggestions:
        lines.append(f"{'## ' if markdown else ''}Suggestions")
        lines += [f"{'-' if markdown else ' '} {esc(s.title)}: {esc(s.detail)} (source: {esc(s.source)})"
                  for s in result.suggestions]
    return printable("\n".join(lines).rstrip() + "\n")
