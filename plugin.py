"""Wan2GP entry point: Wan2GP imports ``<this folder>.plugin`` and instantiates the class below."""

from .wan2gp_model_tracker.plugin import ModelTrackerPlugin

__all__ = ["ModelTrackerPlugin"]
