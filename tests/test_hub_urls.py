from hypothesis import given
from hypothesis import strategies as st

from wan2gp_model_tracker.hub.urls import HubFile, parse_hub_url


def test_a_catalog_url_names_its_repository_revision_and_path():
    url = "https://huggingface.co/DeepBeepMeep/Wan2.1/resolve/main/umt5-xxl/umt5-xxl_bf16.safetensors"
    assert parse_hub_url(url) == HubFile("DeepBeepMeep/Wan2.1", "main", "umt5-xxl/umt5-xxl_bf16.safetensors")
    assert parse_hub_url(url).filename == "umt5-xxl_bf16.safetensors"


def test_the_target_folder_suffix_is_not_part_of_the_file():
    url = "https://huggingface.co/a/b/resolve/main/lora.safetensors|%lora_dir"
    assert parse_hub_url(url) == HubFile("a/b", "main", "lora.safetensors")


def test_a_tree_url_names_a_whole_folder():
    folder = parse_hub_url("https://huggingface.co/a/b/tree/main/xlm-roberta-large")
    assert folder == HubFile("a/b", "main", "xlm-roberta-large/") and folder.is_folder
    assert not parse_hub_url("https://huggingface.co/a/b/resolve/main/x.bin").is_folder


def test_percent_escapes_are_decoded():
    assert parse_hub_url("https://huggingface.co/a/b/resolve/main/my%20file.bin").path_in_repo == "my file.bin"


def test_other_urls_and_local_paths_are_not_hub_files():
    for entry in ("https://civitai.com/models/2053259", "ckpts/x.safetensors", "/abs/x.safetensors",
                  "https://huggingface.co/lightx2v/Wan2.1-T2V-14B-StepDistill-CfgDistill",
                  "http://huggingface.co/a/b/resolve/main/x.bin", "https://huggingface.co/a/b/resolve/main/../x"):
        assert parse_hub_url(entry) is None


@given(st.text())
def test_any_text_is_parsed_or_refused_without_raising(entry):
    result = parse_hub_url(entry)
    assert result is None or (result.repo_id.count("/") == 1 and result.path_in_repo)
def test_a_malformed_host_is_refused():
    assert parse_hub_url("https://[huggingface.co/a/b/resolve/main/x") is None
