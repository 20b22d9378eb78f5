"""The tab's Gradio widgets under the design card's name; they are built in ``ui/tab.py``."""

from .ui.tab import Panel, TrackerTab, build_tab, default_panels

__all__ = ["Panel", "TrackerTab", "build_tab", "default_panels"]
