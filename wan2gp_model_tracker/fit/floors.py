"""The minimums Wan2GP states, below which the verdict never says "recommended".

VRAM for every model and per family (Wan2GP's own words), RAM per memory profile (the profile texts of
``wgp.py`` ``memory_profile_choices`` L10961-10967). The profile texts also name a card size per profile;
those describe the card a profile is meant for, not a minimum, and are shown as guidance only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Floor:
    gb: float
    source: str


# A prerequisite of the whole app, so it holds for every output type.
_BASIC = Floor(6.0, 'Wan2GP: "at least 6GB of VRAM for basic models" (docs/GETTING_STARTED.md L10)')
_FAMILY_VRAM: dict[str, Floor] = {
    "flux": Floor(8.0, "Wan2GP: Flux (Kontext) \"requires only 8 GB of VRAM\" (docs/CHANGELOG.md L1070)"),
    "flux2": Floor(8.0, "Wan2GP: Flux 2 \"will work with only 8 GB of VRAM\" with 8-bit weights "
                        "(docs/CHANGELOG.md L618)"),
    # L515 (9 Jan 2026) said "as low as 10 GB"; four days later L491 cut LTX-2's VRAM by a third.
    "ltx2": Floor(8.0, "Wan2GP: LTX-2 \"10s at 720p can be done with only 8GB of VRAM\" (docs/CHANGELOG.md L491, "
                       "superseding \"as low as 10 GB\", L515)"),
}

RAM_FLOOR_SOURCE = "wgp.py memory_profile_choices (L10961-10967)"
# "at least N GB of RAM" per profile.
PROFILE_RAM_GB = {"1": 64.0, "2": 64.0, "3": 32.0, "3+": 32.0, "4": 32.0, "4+": 32.0, "5": 24.0}
# "and N GB of VRAM": the card each profile is meant for. Guidance, not a minimum: mmgp fits what it loads
# to the card it finds (MMGP_MEASURED.md findings 2 and 4).
PROFILE_VRAM_GUIDANCE_GB = {"1": 24.0, "2": 12.0, "3": 24.0, "3+": 24.0, "4": 12.0, "4+": 12.0, "5": 10.0}


def vram_floor(output_type: str, family: str) -> Floor:
    """The least VRAM Wan2GP states for this kind of model (its family's figure, else the app's minimum)."""
    return _FAMILY_VRAM.get(family, _BASIC)


def ram_floor(profile: str) -> Floor:
    return Floor(PROFILE_RAM_GB[profile], f"Wan2GP's profile {profile} text: at least {PROFILE_RAM_GB[profile]:g} GB "
                                          f"of RAM ({RAM_FLOOR_SOURCE})")
