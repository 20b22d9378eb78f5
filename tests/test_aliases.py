"""Any name a user knows finds the model: model types, display names, old names, post names, Hub repositories."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wan2gp_model_tracker.catalog.aliases import MatchKind, aliases_for, load_aliases, normalize, resolve

# A few real model types with their real display names (shared/wan2gp/catalog/defaults).
MODELS = {
    "vace_1.3B": "Vace 1.3B",
    "vace_14B": "Vace 14B",
    "flux": "Flux 1 Dev 12B",
    "t2v_2_2": "Wan2.2 Text2video 14B",
    "animate": "Wan2.2 Animate 14B",
    "ltx2_19B": "LTX-2 2.0 Dev 19B",
    "ltx2_distilled": "LTX-2 2.0 Distilled 19B",
    "z_image": "Z-Image Turbo 6B",
    "hunyuan_1_5_t2v": "Hunyuan Video 1.5  Text2video 720p 8B",
}


@pytest.fixture(scope="module")
def real_models(real_catalog_dir: Path) -> dict[str, str]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8"))["model"]["name"]
            for p in sorted(real_catalog_dir.glob("*.json"))}


def test_every_alias_of_the_table_resolves_to_its_models_in_the_real_catalog(real_models):
    for alias in load_aliases():
        assert set(alias.model_types) <= set(real_models), alias
        result = resolve(alias.alias, real_models)
        assert result.how is alias.kind, (alias.alias, result)  # an entry a model type or name hides is dead
        if len(alias.model_types) == 1:
            assert result.model_type == alias.model_types[0], (alias.alias, result)
        else:
            assert result.model_type is None and set(result.candidates) == set(alias.model_types), alias.alias


def test_every_model_of_the_real_catalog_is_found_by_its_type_and_by_its_name(real_models):
    for model_type, name in real_models.items():
        assert resolve(model_type, real_models).model_type == model_type
        by_name = resolve(name.upper(), real_models)
        assert by_name.model_type == model_type or model_type in by_name.candidates, name


def test_every_alias_names_its_source_and_a_known_kind():
    aliases = load_aliases()
    assert len(aliases) >= 50
    for alias in aliases:
        assert alias.alias.strip() and alias.model_types and alias.source.strip()
        assert isinstance(alias.kind, MatchKind)
    assert len({normalize(a.alias) for a in aliases}) == len(aliases)  # no entry shadows another


def test_an_exact_model_type_is_taken_as_it_is():
    result = resolve("t2v_2_2", MODELS)
    assert (result.model_type, result.how) == ("t2v_2_2", MatchKind.MODEL_TYPE)


@pytest.mark.parametrize("written", ["VACE_1.3B", "vace 1.3b", "Vace-1-3B", " vace_1.3B "])
def test_a_model_type_in_any_case_and_spacing_is_found(written):
    result = resolve(written, MODELS)
    assert (result.model_type, result.how) == ("vace_1.3B", MatchKind.SPELLING)


@pytest.mark.parametrize("written", ["wan2.2 text2video 14b", "WAN2.2  TEXT2VIDEO 14B", "Wan2.2_Text2video_14B"])
def test_a_display_name_in_any_case_and_spacing_is_found(written):
    result = resolve(written, MODELS)
    assert (result.model_type, result.how) == ("t2v_2_2", MatchKind.NAME)


def test_a_display_name_without_its_size_is_found():
    assert resolve("Z-Image Turbo", MODELS).model_type == "z_image"
    assert resolve("hunyuan video 1.5 text2video 720p", MODELS).model_type == "hunyuan_1_5_t2v"


@pytest.mark.parametrize(("written", "model_type", "how"), [
    ("flux_dev", "flux", MatchKind.RENAMED),
    ("vace_1.3", "vace_1.3B", MatchKind.POST),
    ("Wan-AI/Wan2.2-T2V-A14B-Diffusers", "t2v_2_2", MatchKind.MAKER_REPO),
    ("Wan-AI/Wan2.2-T2V-A14B", "t2v_2_2", MatchKind.MAKER_REPO),
    ("https://huggingface.co/black-forest-labs/FLUX.1-dev", "flux", MatchKind.MAKER_REPO),
    ("wan animate", None, MatchKind.POST),  # animate2 is not in this catalog: the one left is taken
])
def test_names_from_the_alias_table_find_the_model(written, model_type, how):
    result = resolve(written, MODELS)
    assert result.how is how and result.source
    assert result.model_type == (model_type or "animate")


def test_an_ambiguous_name_lists_every_candidate_and_takes_none():
    result = resolve("Lightricks/LTX-2", MODELS)
    assert result.model_type is None and result.ambiguous
    assert set(result.candidates) == {"ltx2_19B", "ltx2_distilled"}


def test_an_alias_whose_models_this_catalog_lacks_finds_nothing():
    assert not resolve("black-forest-labs/FLUX.1-schnell", MODELS).found


@pytest.mark.parametrize(("typo", "meant"), [("animat", "animate"), ("vace_14", "vace_14B"), ("flux_deV2", "flux")])
def test_a_typo_gets_close_suggestions(typo, meant):
    result = resolve(typo, MODELS)
    assert not result.found and meant in result.suggestions


def test_nothing_close_suggests_nothing():
    result = resolve("completely unrelated", MODELS)
    assert not result.found and not result.candidates and not result.suggestions


def test_the_result_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolve("flux", MODELS).model_type = "t2v"  # type: ignore[misc]


def test_aliases_for_a_model_lists_the_names_it_is_known_by():
    names = aliases_for("flux")
    assert "flux_dev" in names and "black-forest-labs/FLUX.1-dev" in names


@settings(deadline=None)  # difflib over a few hundred names: slow on a loaded machine, never wrong
@given(st.text(max_size=60))
def test_any_text_gets_an_answer_and_never_an_exception(text):
    result = resolve(text, MODELS)
    assert result.model_type is None or result.model_type in MODELS
    assert set(result.candidates) <= set(MODELS) and set(result.suggestions) <= set(MODELS)


@given(st.sampled_from(sorted(MODELS)), st.lists(st.sampled_from([" ", "_", "-", "."]), max_size=3), st.booleans())
def test_a_model_type_with_separators_and_case_changed_still_finds_it(model_type, extra, upper):
    written = "".join(extra) + (model_type.upper() if upper else model_type) + "".join(extra)
    assert resolve(written, MODELS).model_type == model_type
