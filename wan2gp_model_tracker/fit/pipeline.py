"""A definition as the memory model sees it: one expert's weights and their split, the text encoder and the key
mmgp budgets it under, the latent grid, the model's width, the workload and the user's memory settings."""

from __future__ import annotations

import math

from ..records import MemorySettings
from .definition_facts import DefinitionFacts, workload_of
from .memory import MemoryInputs, activation_basis
from .shapes import Split, text_encoder_split, transformer_split

# Pixels per latent token (spatial, temporal) once the VAE and the patchifier are applied.
_DEFAULT_STRIDE = (16, 4)  # Wan2.1 VAE 8x8x4 plus 2x2 patches ("4x16x16", Wan2.1/Wan2.2 READMEs)
_FAMILY_STRIDE = {
    "ltxv": (32, 8),  # LTX-Video VAE, 32x32x8 pixels per token (arXiv 2501.00103)
    "ltx2": (32, 8),  # LTX-2 VAE config: spatial 32, temporal 8 (huggingface.co/Lightricks/LTX-2)
}
# Wan2.2-VAE 16x16x4 plus 2x2 patches (Wan2.2 README), used by the 5B Wan2.2 models.
_WAN22_5B_STRIDE = (32, 4)
_WAN22_5B_ARCHITECTURES = {"ti2v_2_2", "ovi", "lucy_edit", "kiwi_edit"}

# Model width grows about with the square root of the parameter count (parameters ~ 12 x layers
# x width^2); Wan2.1 14B is 5120 wide (Wan2.1 README), which sets the scale.
_REFERENCE_WIDTH = 5120
_REFERENCE_WIDTH_PARAMS_B = 14.0

# The key a family handler gives its big text encoder, where it is not "text_encoder": mmgp budgets by key
# (Flux's T5 is "text_encoder_2", MMGP_MEASURED.md finding 5).
_TEXT_ENCODER_KEYS = {"flux": "text_encoder_2"}

def memory_inputs(facts: DefinitionFacts, weights_gb: float, text_encoder_gb: float, *, split: Split | None = None,
                  weights_basis: str = "", settings: MemorySettings | None = None) -> MemoryInputs:
    """The memory model's view of a definition: weights of one expert, their split, the text encoder, the
    workload, the latent grid and the user's memory settings."""
    per_token, basis = activation_basis(facts.family, facts.architecture)
    return MemoryInputs(
        output_type=facts.output_type, family=facts.family, architecture=facts.architecture, variant=facts.variant,
        weights_gb=weights_gb, experts=facts.experts, text_encoder_gb=text_encoder_gb,
        width_ratio=model_width(facts.params_b) / _REFERENCE_WIDTH, stride=latent_stride(facts),
        workload=workload_of(facts), activation_gb_per_token=per_token, activation_basis=basis,
        transformer_split=split or transformer_split(facts.family, facts.params_b),
        text_encoder_split=text_encoder_split(facts.family),
        text_encoder_key=_TEXT_ENCODER_KEYS.get(facts.family, "text_encoder"),
        weights_basis=weights_basis, settings=settings or MemorySettings(),
    )


def latent_stride(facts: DefinitionFacts) -> tuple[int, int]:
    """Pixels per latent token (spatial side, frames) of the model's VAE and patchifier."""
    if facts.architecture in _WAN22_5B_ARCHITECTURES:
        return _WAN22_5B_STRIDE
    return _FAMILY_STRIDE.get(facts.family, _DEFAULT_STRIDE)


def latent_tokens(facts: DefinitionFacts) -> int:
    """Latent tokens the transformer attends over for the default workload."""
    if facts.output_type == "audio":
        return 0
    spatial, temporal = latent_stride(facts)
    latent_frames = 1 + max(facts.frames - 1, 0) // temporal
    return math.ceil(facts.width / spatial) * math.ceil(facts.height / spatial) * latent_frames


def model_width(params_b: float) -> float:
    return _REFERENCE_WIDTH * math.sqrt(params_b / _REFERENCE_WIDTH_PARAMS_B)
