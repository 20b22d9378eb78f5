"""What each of Wan2GP's family handlers adds to a definition's files, for offline scans without a snapshot.

Inside Wan2GP, ``init_model_def`` lays every definition over its handler's ``query_model_def`` answer (HOST.md
section 4.2): the handler names the text encoder (``text_encoder_URLs`` + ``text_encoder_folder``) that the status
rule then checks as a secondary file, and a few handlers add or rewrite ``preload_URLs``. This table records those
additions for every architecture a built-in handler of Wan2GP 8681e9f supports, each with the handler file and
line it was read from. The handlers' ``query_model_files`` assets (VAEs, tokenizers, configs) never change the
status; offline they come only from the tab's snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

WAN2GP_COMMIT = "8681e9f"


def _hf(repo: str, folder: str, *files: str) -> tuple[str, ...]:
    """Hub URLs as Wan2GP's ``shared/utils/hf.py`` ``build_hf_url`` makes them."""
    return tuple(f"https://huggingface.co/{repo}/resolve/main/{folder}/{name}" for name in files)


@dataclass(frozen=True)
class TextEncoder:
    """The text encoder a handler adds: the variants of ``text_encoder_URLs`` and the folder they go in."""

    folder: str
    urls: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class HandlerEntry:
    """One architecture's handler and what it adds to the files Wan2GP's status rule checks."""

    handler: str
    # The line of the handler's ``query_supported_types``, which lists this architecture.
    supported_line: int
    text_encoder: TextEncoder | None
    # How the handler picks among text encoders per definition (None: always ``text_encoder``).
    pick_text_encoder: Callable[[Mapping[str, Any]], TextEncoder | None] | None = None
    # Set when the handler's choice depends on definition keys the table does not follow: why.
    varies: str = ""
    # preload_URLs entries the handler adds (laid under the JSON like every other key).
    preload_urls: tuple[str, ...] = ()
    # LTX-2: Hub preload entries with these names are moved into the LoRA folder (the handler edits the JSON itself).
    preload_lora_names: frozenset[str] = field(default_factory=frozenset)

    @property
    def source(self) -> str:
        return f"Wan2GP {WAN2GP_COMMIT} {self.handler}:{self.supported_line}"

    def text_encoder_for(self, model_def: Mapping[str, Any]) -> TextEncoder | None:
        return self.pick_text_encoder(model_def) if self.pick_text_encoder else self.text_encoder


# --- the text encoders, each where the handler names it ---------------------------------------------------------

_UMT5_FILES = ("models_t5_umt5-xxl-enc-bf16.safetensors", "models_t5_umt5-xxl-enc-quanto_int8.safetensors")
_T5_FILES = ("T5_xxl_1.1_enc_bf16.safetensors", "T5_xxl_1.1_enc_quanto_bf16_int8.safetensors")
_QWEN25VL_FILES = ("Qwen2.5-VL-7B-Instruct_bf16.safetensors", "Qwen2.5-VL-7B-Instruct_quanto_bf16_int8.safetensors")
_QWEN3_FILES = ("qwen3_bf16.safetensors", "qwen3_quanto_bf16_int8.safetensors")
_GEMMA3 = "gemma-3-12b-it-qat-q4_0-unquantized"
_GEMMA4 = "gemma4-12b-ltx-v1"


def _te(repo: str, folder: str, files: tuple[str, ...], source: str) -> TextEncoder:
    return TextEncoder(folder, _hf(repo, folder, *files), source)


UMT5_WAN = _te("DeepBeepMeep/Wan2.1", "umt5-xxl", _UMT5_FILES, "models/wan/wan_handler.py:226")
UMT5_DF = _te("DeepBeepMeep/Wan2.1", "umt5-xxl", _UMT5_FILES, "models/wan/df_handler.py:18")
UMT5_OVI = _te("DeepBeepMeep/Wan2.1", "umt5-xxl", _UMT5_FILES, "models/wan/ovi_handler.py:35")
UMT5_LONGCAT = _te("DeepBeepMeep/Wan2.1", "umt5-xxl", _UMT5_FILES, "models/longcat/longcat_handler.py:71")
LLAVA = _te("DeepBeepMeep/HunyuanVideo", "llava-llama-3-8b",
            ("llava-llama-3-8b-v1_1_vlm_fp16.safetensors", "llava-llama-3-8b-v1_1_vlm_quanto_int8.safetensors"),
            "models/hyvideo/hunyuan_handler.py:51")
QWEN25VL_HUNYUAN = _te("DeepBeepMeep/Qwen_image", "Qwen2.5-VL-7B-Instruct", _QWEN25VL_FILES,
                       "models/hyvideo/hunyuan_handler.py:44")
QWEN25VL_QWEN = _te("DeepBeepMeep/Qwen_image", "Qwen2.5-VL-7B-Instruct", _QWEN25VL_FILES,
                    "models/qwen/qwen_handler.py:18")
QWEN25VL_KANDINSKY = _te("DeepBeepMeep/Qwen_image", "Qwen2.5-VL-7B-Instruct", _QWEN25VL_FILES,
                         "models/kandinsky5/kandinsky_handler.py:192")
T5_LTXV = _te("DeepBeepMeep/LTX_Video", "T5_xxl_1.1", _T5_FILES, "models/ltx_video/ltxv_handler.py:17")
T5_FLUX = _te("DeepBeepMeep/LTX_Video", "T5_xxl_1.1", _T5_FILES, "models/flux/flux_handler.py:148")
MISTRAL3 = _te("DeepBeepMeep/Flux2", "mistral3small",
               ("mistral3_small_bf16.safetensors", "mistral3_small_quanto_bf16_int8.safetensors"),
               "models/flux/flux_handler.py:140")
QWEN3_KLEIN4B = _te("DeepBeepMeep/Z-Image", "Qwen3", _QWEN3_FILES, "models/flux/flux_handler.py:124")
QWEN3_8B = _te("DeepBeepMeep/Flux2", "qwen3_8b",
               ("qwen3_8b_bf16.safetensors", "qwen3_8b_quanto_bf16_int8.safetensors"),
               "models/flux/flux_handler.py:131")
QWEN3_ZIMAGE = _te("DeepBeepMeep/Z-Image", "Qwen3", _QWEN3_FILES, "models/z_image/z_image_handler.py:19")
_GEMMA3_FILES = (f"{_GEMMA3}.safetensors", f"{_GEMMA3}_quanto_bf16_int8.safetensors")
GEMMA3_LTX2 = _te("DeepBeepMeep/LTX-2", _GEMMA3, _GEMMA3_FILES,
                  "models/ltx2/ltx2_handler.py:518 (names at lines 18-20)")
GEMMA4_LTX25 = _te("DeepBeepMeep/LTX-2", _GEMMA4,
                   (f"{_GEMMA4}_bf16.safetensors", f"{_GEMMA4}_int8_convrot.safetensors"),
                   "models/ltx2/ltx2_handler.py:518 (names at lines 21-23)")
GEMMA3_TTS = _te("DeepBeepMeep/LTX-2", _GEMMA3, _GEMMA3_FILES,
                 "models/ltx2/ltx_audio_tts_handler.py:231 (names from ltx2_handler.py:18-20)")
QWEN3VL4B = _te("DeepBeepMeep/krea-2", "Qwen3-VL-4B-Instruct",
                ("Qwen3-VL-4B-Instruct_text_bf16.safetensors", "Qwen3-VL-4B-Instruct_quanto_bf16_int8.safetensors"),
                "models/krea2/krea2_handler.py:62")
T5GEMMA_MAGI = _te("DeepBeepMeep/MagiHuman", "t5gemma-9b-9b-ul2",
                   ("t5gemma-9b-9b-ul2_bf16.safetensors", "t5gemma-9b-9b-ul2_quanto_bf16_int8.safetensors"),
                   "models/magi_human/magi_human_handler.py:107")
UMT5_BASE_ACE = _te("DeepBeepMeep/TTS", "umt5_base", ("umt5_base_bf16.safetensors",),
                    "models/TTS/ace_step_handler.py:415 (URL at line 23)")
T5GEMMA_STABLE_AUDIO = _te("DeepBeepMeep/TTS", "t5gemma-b-b-ul2", ("t5gemma-b-b-ul2_bf16.safetensors",),
                           "models/TTS/stable_audio3_handler.py:152")
QWEN3_MUSIC = _te("DeepBeepMeep/TTS", "MiniMaxMusic3-Qwen3",
                  ("MiniMaxMusic3-Qwen3_bf16.safetensors", "MiniMaxMusic3-Qwen3_int8_convrot.safetensors"),
                  "models/TTS/minimax_music3/minimax_music3_handler.py:77")

_H3_FOLDER = "Qwen3-VL-32B-Instruct"  # models/minimax_h3/minimax_h3_main.py:23
_H3_FILES: dict[str | None, tuple[str, ...]] = {  # minimax_h3_handler.py:16-25 and 182
    None: ("Qwen3-VL-32B-Instruct-layer50_bf16.safetensors",
           "Qwen3-VL-32B-Instruct-layer50_quanto_bf16_int8.safetensors"),
    "gguf_q2_k": ("qwen3vl-32B-MiniMax-H3-Q2_K.gguf",),
    "gguf_q4_k_m": ("qwen3vl-32B-MiniMax-H3-Q4_K_M.gguf",),
    "nvfp4_awq": ("qwen3vl_32b_minimax_h3_nvfp4_awq.safetensors",),
}
H3_DEFAULT = _te("DeepBeepMeep/MiniMax-H3", _H3_FOLDER, _H3_FILES[None], "models/minimax_h3/minimax_h3_handler.py:182")


def _minimax_h3_text_encoder(model_def: Mapping[str, Any]) -> TextEncoder | None:
    """``text_encoder_variant`` picks the files; an unknown variant makes the handler raise (no text encoder)."""
    variant = model_def.get("text_encoder_variant")
    files = _H3_FILES.get(variant) if isinstance(variant, str) or variant is None else None
    return _te("DeepBeepMeep/MiniMax-H3", _H3_FOLDER, files, H3_DEFAULT.source) if files else None


_IDEOGRAM_FOLDER = "Qwen3-VL-8B-Instruct"
IDEOGRAM_FP8 = _te("DeepBeepMeep/Ideogram4", _IDEOGRAM_FOLDER, ("Qwen3-VL-8B-Instruct_fp8.safetensors",),
                   "models/ideogram4/ideogram4_handler.py:169")


def _ideogram4_text_encoder(model_def: Mapping[str, Any]) -> TextEncoder:
    """NF4 text encoder when a main file is NF4 (``_model_uses_nf4``, ideogram4_handler.py:153), else FP8."""
    urls: list[Any] = []
    for key in ("URLs", "URLs2"):
        value = model_def.get(key)
        urls += value if isinstance(value, list) else []
    if any("_nf4" in str(u).lower() for u in urls):
        return _te("DeepBeepMeep/Ideogram4", _IDEOGRAM_FOLDER, ("Qwen3-VL-8B-Instruct_nf4.safetensors",),
                   IDEOGRAM_FP8.source)
    return IDEOGRAM_FP8


_KREA2_VISION = tuple(f"{u}|Qwen3-VL-4B-Instruct" for u in _hf(
    "DeepBeepMeep/krea-2", "Qwen3-VL-4B-Instruct", "Qwen3-VL-4B-Instruct_vision_bf16.safetensors"))
# LTX-2 system LoRAs per architecture spec (ltx2_handler.py:41 keys, specs at lines 73-160; an architecture without
# a spec of its own uses ltx2_19B's, line 166).
_LTX2_19B_LORAS = frozenset({"ltx-2-19b-distilled-lora-384.safetensors",
                             "ltx-2-19b-ic-lora-union-control-ref0.5.safetensors",
                             "id-lora-celebvhq-ltx2.safetensors"})
_LTX23_LORAS = frozenset({"ltx-2.3-22b-ic-lora-union-control-ref0.5.safetensors",
                          "id-lora-celebvhq-ltx2.3.safetensors", "ltx-2.3-22b-ic-lora-outpaint.safetensors",
                          "ltx-2.3-22b-ic-lora-in-outpainting-0.9.safetensors",
                          "ltx-2.3-22b-ic-lora-ingredients-0.9.safetensors", "ltx-2.3-22b-ic-lora-hdr-0.9.safetensors"})
_LTX2_22B_LORAS = _LTX23_LORAS | {"ltx-2.3-22b-distilled-lora-384.safetensors",
                                  "ltx-2.3-22b-distilled-lora-384-1.1.safetensors",
                                  "ltx-2.3-22b-ic-lora-pixel-spatial-upscaler-x2-0.9.safetensors"}
_LTX25_LORAS = _LTX23_LORAS | {"ltx-2.5-22b-distilled-lora-450_bf16.safetensors",
                               "ltx-2.5-22b-ic-lora-pixel-spatial-upscaler-x2-1.0.safetensors"}


def _table() -> dict[str, HandlerEntry]:
    table: dict[str, HandlerEntry] = {}

    def add(handler: str, line: int, names: str, text_encoder: TextEncoder | None, **extra: Any) -> None:
        for name in names.split():
            table[name] = HandlerEntry(handler, line, text_encoder, **extra)

    wan = "models/wan/wan_handler.py"
    add(wan, 74, "multitalk infinitetalk fantasy vace_14B vace_14B_2_2 vace_multitalk_14B vace_standin_14B "
                 "vace_lynx_14B t2v_1.3B standin lynx_lite lynx t2v t2v_2_2 vace_1.3B vace_ditto_14B phantom_1.3B "
                 "phantom_14B recam_1.3B animate animate2 alpha alpha2 alpha_lynx chrono_edit shotplan_t2v "
                 "shotplan_t2v_2_2 i2v i2v_2_2 i2v_2_2_multitalk ti2v_2_2 lucy_edit flf2v_720p fun_inp_1.3B "
                 "fun_inp mocha steadydancer wanmove scail scail2_14B scail2_1.3B vista4d i2v_2_2_svi2pro bernini "
                 "bernini_1.3B", UMT5_WAN)
    add(wan, 74, "kiwi_edit", None, varies="the Kiwi-Edit variant of the definition picks its MLLM text encoder "
                                         "(wan_handler.py:284)")
    add("models/wan/df_handler.py", 52, "sky_df_1.3B sky_df_14B", UMT5_DF)
    add("models/wan/ovi_handler.py", 12, "ovi", UMT5_OVI)
    hunyuan = "models/hyvideo/hunyuan_handler.py"
    add(hunyuan, 144, "hunyuan hunyuan_i2v hunyuan_custom hunyuan_custom_audio hunyuan_custom_edit hunyuan_avatar",
        LLAVA)
    add(hunyuan, 144, "hunyuan_1_5_t2v hunyuan_1_5_i2v hunyuan_1_5_upsampler", QWEN25VL_HUNYUAN)
    add("models/ltx_video/ltxv_handler.py", 46, "ltxv_13B", T5_LTXV)
    ltx2 = "models/ltx2/ltx2_handler.py"
    add(ltx2, 458, "ltx2_19B ltx2_22B_edit_anything joyai_echo", GEMMA3_LTX2, preload_lora_names=_LTX2_19B_LORAS)
    add(ltx2, 458, "ltx2_22B ltx2_22B_msr", GEMMA3_LTX2, preload_lora_names=_LTX2_22B_LORAS)
    add(ltx2, 458, "ltx2_25_22B", GEMMA4_LTX25, preload_lora_names=_LTX25_LORAS)
    add("models/ltx2/ltx_audio_tts_handler.py", 387, "scenema_audio dramabox_audio", GEMMA3_TTS)
    add("models/longcat/longcat_handler.py", 11, "longcat_video longcat_avatar longcat_avatar_v1_5", UMT5_LONGCAT)
    add("models/minimax_h3/minimax_h3_handler.py", 135,
        "minimax_h3_fl2va minimax_h3_fl2va_pruned minimax_h3_ref2va minimax_h3_ref2va_pruned", H3_DEFAULT,
        pick_text_encoder=_minimax_h3_text_encoder)
    flux = "models/flux/flux_handler.py"
    add(flux, 28, "flux flux_chroma flux_chroma_radiance flux_dev_kontext flux_dev_umo flux_dev_uso flux_schnell "
                  "flux_dev_kontext_dreamomni2", T5_FLUX)
    add(flux, 28, "flux2_dev pi_flux2", MISTRAL3)
    add(flux, 28, "flux2_klein_4b", QWEN3_KLEIN4B)
    add(flux, 28, "flux2_klein_9b", QWEN3_8B)
    add("models/qwen/qwen_handler.py", 106, "qwen_image_20B qwen_image_edit_20B qwen_image_edit_plus_20B "
                                            "qwen_image_edit_plus2_20B qwen_image_layered_20B", QWEN25VL_QWEN)
    add("models/kandinsky5/kandinsky_handler.py", 80, "k5_lite_t2v k5_lite_i2v k5_pro_t2v k5_pro_i2v",
        QWEN25VL_KANDINSKY)
    add("models/z_image/z_image_handler.py", 63, "z_image z_image_base z_image_control z_image_control2 "
                                                 "z_image_control2_1", QWEN3_ZIMAGE)
    add("models/hidream/hidream_handler.py", 59, "hidream_o1 hidream_o1_dev", None)
    add("models/ideogram4/ideogram4_handler.py", 219, "ideogram4 ideogram4_turbotime", IDEOGRAM_FP8,
        pick_text_encoder=_ideogram4_text_encoder)
    krea2 = "models/krea2/krea2_handler.py"
    add(krea2, 108, "krea2_raw krea2_turbo", QWEN3VL4B)
    add(krea2, 108, "krea2_raw_edit krea2_turbo_edit", QWEN3VL4B, preload_urls=_KREA2_VISION)  # line 94
    add("models/magi_human/magi_human_handler.py", 31, "magi_human magi_human_distill", T5GEMMA_MAGI)
    ace = "models/TTS/ace_step_handler.py"
    add(ace, 305, "ace_step_v1", UMT5_BASE_ACE)
    # v1.5 names only a folder for its LM (line 363); the LM weights come from the definitions that have one.
    add(ace, 305, "ace_step_v1_5 ace_step_v1_5_xl", None)
    for handler, line, names in (("models/TTS/chatterbox_handler.py", 112, "chatterbox"),
                                 ("models/TTS/heartmula_handler.py", 73, "heartmula_oss_3b"),
                                 ("models/TTS/index_tts2_handler.py", 257, "index_tts2 index_tts25"),
                                 ("models/TTS/kugelaudio_handler.py", 124, "kugelaudio_0_open"),
                                 ("models/TTS/omnivoice_handler.py", 294, "omnivoice"),
                                 ("models/TTS/qwen3_handler.py", 322,
                                  "qwen3_tts_customvoice qwen3_tts_voicedesign qwen3_tts_base"),
                                 ("models/TTS/yue_handler.py", 127, "yue")):
        add(handler, line, names, None)
    add("models/TTS/stable_audio3_handler.py", 114, "stable_audio3_small stable_audio3_medium", T5GEMMA_STABLE_AUDIO)
    add("models/TTS/minimax_music3/minimax_music3_handler.py", 40, "minimax_music3", QWEN3_MUSIC)
    return table


HANDLER_FILES: Mapping[str, HandlerEntry] = _table()


def has_builtin_handler(architecture: object) -> bool:
    """Whether one of Wan2GP's built-in family handlers supports this architecture (``query_supported_types``)."""
    return isinstance(architecture, str) and architecture in HANDLER_FILES


def handler_keys(architecture: str, model_def: Mapping[str, Any]) -> dict[str, Any]:
    """The file keys the handler would add to this definition; the caller lays the JSON over them."""
    entry = HANDLER_FILES.get(architecture)
    if entry is None:
        return {}
    keys: dict[str, Any] = {}
    encoder = entry.text_encoder_for(model_def)
    if encoder is not None:
        keys["text_encoder_URLs"] = list(encoder.urls)
        keys["text_encoder_folder"] = encoder.folder
    if entry.preload_urls:
        keys["preload_URLs"] = list(entry.preload_urls)
    return keys


def rewritten_preload(architecture: str, preload: Any) -> Any:
    """LTX-2 moves its system LoRAs named in a ``preload_URLs`` list into the LoRA folder (ltx2_handler.py:496-506);
    the handler edits the definition itself, so this applies over the JSON too."""
    entry = HANDLER_FILES.get(architecture)
    if entry is None or not entry.preload_lora_names or not isinstance(preload, list):
        return preload

    def moved(item: Any) -> Any:
        if not isinstance(item, str) or "|%lora_dir" in item:
            return item
        source = item.split("|", 1)[0]
        if source.startswith("http") and source.rsplit("/", 1)[-1] in entry.preload_lora_names:
            return f"{source}|%lora_dir"
        return item

    return [moved(item) for item in preload]


def unseen_text_encoder(architecture: str, model_def: Mapping[str, Any]) -> bool:
    """True when the handler adds a text encoder this table cannot name and the JSON does not name one either."""
    entry = HANDLER_FILES.get(architecture)
    return bool(entry and entry.varies and not model_def.get("text_encoder_URLs"))
