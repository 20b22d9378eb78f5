"""A stand-in for the parts of torch the peak hook reads: ``torch.cuda``'s peak counters and device facts,
and ``torch.backends.mps``. Peaks only grow until ``reset_peak_memory_stats`` brings them down to what is
still in use, as torch's caching allocator does."""

from __future__ import annotations

import types

GIB = 1024**3


class StandInCuda:
    def __init__(self, available: bool = True, name: str = "NVIDIA GeForce RTX 4090", total_gb: float = 24.0) -> None:
        self.available = available
        self.name = name
        self.total_bytes = int(total_gb * GIB)
        self.in_use = 0  # bytes still allocated (resident weights)
        self.peak_allocated = 0
        self.peak_reserved = 0
        self.resets = 0

    def run(self, allocated_gb: float, reserved_gb: float) -> None:
        """A generation that reached these peaks."""
        self.peak_allocated = max(self.peak_allocated, int(allocated_gb * GIB))
        self.peak_reserved = max(self.peak_reserved, int(reserved_gb * GIB))

    def is_available(self) -> bool:
        return self.available

    def current_device(self) -> int:
        return 0

    def get_device_name(self, device: int = 0) -> str:
        return self.name

    def get_device_properties(self, device: int = 0) -> types.SimpleNamespace:
        return types.SimpleNamespace(total_memory=self.total_bytes, major=8, minor=9)

    def max_memory_allocated(self, device: int = 0) -> int:
        return self.peak_allocated

    def max_memory_reserved(self, device: int = 0) -> int:
        return self.peak_reserved

    def reset_peak_memory_stats(self, device: int = 0) -> None:
        self.resets += 1
        self.peak_allocated = self.peak_reserved = self.in_use


def standin_torch(cuda: object | None = None, mps: bool = False) -> types.ModuleType:
    """A module to put at ``sys.modules["torch"]``; ``cuda=None`` gives a torch without CUDA support."""
    torch = types.ModuleType("torch")
    torch.cuda = cuda if cuda is not None else StandInCuda(available=False)
    torch.backends = types.SimpleNamespace(mps=types.SimpleNamespace(is_available=lambda: mps))
    return torch
