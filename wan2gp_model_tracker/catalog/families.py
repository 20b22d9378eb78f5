"""What Wan2GP's family handlers would say about an architecture, for use without the host.

Inside Wan2GP the handlers answer these questions at run time; offline we only have the JSON.
This table fills the gap for display (family, output type) and for the LoRA folder of models
that ship built-in LoRAs. It follows the handlers of Wan2GP 12.6x; an unknown architecture
falls back to "unknown"/video and the default LoRA folder, and the live tab is always exact.
"""

from __future__ import annotations

from dataclasses import dataclass

# family key -> (label, default output type) as Wan2GP's families_infos names them.
FAMILY_LABELS: dict[str, tuple[str, str]] = {
    "wan": ("Wan2.1", "video"),
    "wan2_2": ("Wan2.2", "video"),
    "hunyuan": ("Hunyuan Video", "video"),
    "hunyuan_1_5": ("Hunyuan Video 1.5", "video"),
    "ltxv": ("LTX Video", "video"),
    "ltx2": ("LTX-2", "video"),
    "kandinsky5": ("Kandinsky 5", "video"),
    "longcat": ("LongCat", "video"),
    "magi_human": ("Magi Human", "video"),
    "minimax_h3": ("MiniMax H3", "video"),
    "flux": ("Flux 1", "image"),
    "flux2": ("Flux 2", "image"),
    "qwen": ("Qwen Image", "image"),
    "z_image": ("Z-Image", "image"),
    "hidream": ("HiDream", "image"),
    "ideogram4": ("Ideogram 4", "image"),
    "krea2": ("Krea 2", "image"),
    "music": ("Music", "audio"),
    "tts": ("TTS", "audio"),
    "unknown": ("Unknown", "video"),
}

_WAN = (
    "t2v t2v_1.3B i2v i2v_720p flf2v_720p fun_inp fun_inp_1.3B fantasy multitalk infinitetalk vace_14B vace_1.3B "
    "vace_multitalk_14B vace_standin_14B vace_lynx_14B vace_ditto_14B phantom_1.3B phantom_14B recam_1.3B "
    "sky_df_1.3B sky_df_14B sky_df_720p_14B standin lynx lynx_lite alpha alpha2 alpha_lynx chrono_edit scail "
    "scail2_14B scail2_1.3B shotplan_t2v "
    "steadydancer vista4d wanmove mocha moviigen"
)
_WAN2_2 = (
    "t2v_2_2 i2v_2_2 ti2v_2_2 i2v_2_2_multitalk i2v_2_2_svi2pro animate animate2 bernini bernini_1.3B lucy_edit "
    "shotplan_t2v_2_2 kiwi_edit ovi vace_14B_2_2"
)
_ARCHITECTURE_FAMILY: dict[str, str] = {}
for _family, _names in (
    ("wan", _WAN),
    ("wan2_2", _WAN2_2),
    ("hunyuan", "hunyuan hunyuan_i2v hunyuan_avatar hunyuan_custom hunyuan_custom_audio hunyuan_custom_edit"),
    ("hunyuan_1_5", "hunyuan_1_5_t2v hunyuan_1_5_i2v hunyuan_1_5_upsampler"),
    ("ltxv", "ltxv_13B"),
    ("ltx2", "ltx2_19B ltx2_22B ltx2_22B_edit_anything ltx2_22B_msr ltx2_25_22B joyai_echo"),
    ("kandinsky5", "k5_lite_i2v k5_lite_t2v k5_pro_i2v k5_pro_t2v"),
    ("longcat", "longcat_video longcat_avatar longcat_avatar_v1_5"),
    ("magi_human", "magi_human magi_human_distill"),
    ("minimax_h3", "minimax_h3_fl2va minimax_h3_fl2va_pruned minimax_h3_ref2va minimax_h3_ref2va_pruned"),
    ("flux", "flux flux_schnell flux_chroma flux_chroma_radiance flux_dev_kontext flux_dev_kontext_dreamomni2 "
             "flux_dev_umo flux_dev_uso"),
    ("flux2", "flux2_dev flux2_klein_4b flux2_klein_9b pi_flux2"),
    ("qwen", "qwen_image_20B qwen_image_edit_20B qwen_image_edit_plus_20B qwen_image_edit_plus2_20B "
             "qwen_image_layered_20B"),
    ("z_image", "z_image z_image_base z_image_control z_image_control2 z_image_control2_1"),
    ("hidream", "hidream_o1 hidream_o1_dev"),
    ("ideogram4", "ideogram4 ideogram4_turbotime"),
    ("krea2", "krea2_raw krea2_raw_edit krea2_turbo krea2_turbo_edit"),
    ("music", "ace_step_v1 ace_step_v1_5 ace_step_v1_5_xl heartmula_oss_3b stable_audio3_medium stable_audio3_small "
              "minimax_music3 yue"),
    ("tts", "chatterbox index_tts2 index_tts25 kugelaudio_0_open omnivoice qwen3_tts_base qwen3_tts_customvoice "
            "qwen3_tts_voicedesign dramabox_audio scenema_audio"),
):
    _ARCHITECTURE_FAMILY.update(dict.fromkeys(_names.split(), _family))

# Video models whose handler marks them as producing images (editors that render through a video).
_IMAGE_OUTPUT_ARCHITECTURES = {"chrono_edit"}

# LoRA sub-folder per architecture where it differs from the family's default folder.
_LORA_FOLDER_OVERRIDES = {
    "ti2v_2_2": "wan_5B", "ovi": "wan_5B",
    "hunyuan_1_5_t2v": "hunyuan_1_5", "hunyuan_1_5_i2v": "hunyuan_1_5", "hunyuan_1_5_upsampler": "hunyuan_1_5",
    "hunyuan_i2v": "hunyuan_i2v",
    "flux2_klein_4b": "flux2_klein_4b", "flux2_klein_9b": "flux2_klein_9b",
    "hidream_o1": "hidream_o1", "hidream_o1_dev": "hidream_o1",
    "k5_lite_t2v": "k5_lite_t2v", "k5_lite_i2v": "k5_lite_i2v", "k5_pro_t2v": "k5_pro_t2v", "k5_pro_i2v": "k5_pro_i2v",
    "longcat_avatar": "longcat_avatar", "longcat_avatar_v1_5": "longcat_avatar_v1_5",
}
# Wan 2.1 image-to-video style architectures share "wan_i2v" (Wan 2.2 i2v uses "wan").
_WAN_I2V = {"i2v", "i2v_720p", "flf2v_720p", "fun_inp", "fantasy", "multitalk", "infinitetalk", "chrono_edit",
            "steadydancer", "wanmove", "scail", "scail2_14B", "mocha"}


@dataclass(frozen=True, slots=True)
class FamilyInfo:
    family: str
    label: str
    output_type: str
    lora_folder: str


def family_of(architecture: str, group: str | None = None) -> str:
    """The UI family: the definition's ``group`` when it names a known family, else the handler's."""
    if group and group in FAMILY_LABELS:
        return group
    return _ARCHITECTURE_FAMILY.get(architecture, "unknown")


def lora_folder_of(architecture: str) -> str:
    if architecture in _LORA_FOLDER_OVERRIDES:
        return _LORA_FOLDER_OVERRIDES[architecture]
    family = _ARCHITECTURE_FAMILY.get(architecture, "unknown")
    if family == "wan":
        if architecture in _WAN_I2V:
            return "wan_i2v"
        return "wan_1.3B" if "1.3B" in architecture else "wan"
    if family in ("wan2_2",):
        return "wan"
    return family


def family_info(architecture: str, model_def: dict) -> FamilyInfo:
    group = model_def.get("group")
    family = family_of(architecture, group if isinstance(group, str) else None)
    label, output = FAMILY_LABELS.get(family, FAMILY_LABELS["unknown"])
    if model_def.get("audio_only"):
        output = "audio"
    elif model_def.get("image_outputs") or architecture in _IMAGE_OUTPUT_ARCHITECTURES:
        output = "image"
    return FamilyInfo(family=family, label=label, output_type=output, lora_folder=lora_folder_of(architecture))
