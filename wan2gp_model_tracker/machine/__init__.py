"""The machine the tracker runs on: GPUs, RAM, free disk."""
