"""Wan2GP Model Tracker: which Wan2GP models are on disk, what they still need, and what fits your GPU."""

__version__ = "0.1.0"
