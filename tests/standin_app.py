"""Wan2GP's page as the stand-in host builds it, with the plugin reading the demo catalog live.

``python tests/standin_app.py PORT`` serves it (browser tests and docs/screenshot.py use it): the
plugin is loaded from this checkout as the Plugin Manager would load a clone, and the host's
``wgp`` module holds the demo catalog's definitions, so the tab shows the same 16 models as ``serve``.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import types
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
PLUGIN_ID = "wan2gp-model-tracker"


def demo_wgp_module(folder: str) -> types.ModuleType:
    """Wan2GP's own module as the plugin reads it, over the demo catalog's definitions and files."""
    from wan2gp_model_tracker.catalog.demo import DemoCatalog

    state = DemoCatalog(folder).load()
    module = types.ModuleType("wgp")
    module.models_def = {t: dict(d) for t, d in state.defs.items()}
    module.server_config = {"transformer_quantization": state.settings.transformer_quantization}
    module.text_encoder_quantization = state.settings.text_encoder_quantization
    module.fl = types.SimpleNamespace(_checkpoints_paths=list(state.settings.checkpoint_roots))
    module.WanGP_version = "12.60"
    module.bfloat16_supported = True
    return module


def build(workdir: str):
    """The stand-in host's page with the plugin loaded; the current directory becomes the Wan2GP folder."""
    sys.path.insert(0, str(TESTS))
    from standin_host import StandInHost, fake_nvml

    wan2gp = os.path.join(workdir, "Wan2GP")
    plugins = Path(wan2gp) / "plugins"
    plugins.mkdir(parents=True)
    # The clone's root files, and the package linked from this checkout: the plugin writes its snapshot into
    # its own folder, which must not be the checkout.
    folder = plugins / PLUGIN_ID
    folder.mkdir()
    for name in ("plugin.py", "plugin_info.json"):
        shutil.copy(REPO / name, folder / name)
    (folder / "__init__.py").write_text("")
    (folder / "wan2gp_model_tracker").symlink_to(REPO / "wan2gp_model_tracker", target_is_directory=True)
    wgp = demo_wgp_module(wan2gp)
    os.chdir(wan2gp)
    patch = pytest.MonkeyPatch()
    patch.setitem(sys.modules, "wgp", wgp)
    if os.environ.get("STANDIN_GPU"):  # "<name>:<GiB>": the fit the line shows, on a machine without a GPU
        patch.setitem(sys.modules, "pynvml", fake_nvml(os.environ["STANDIN_GPU"]))
    host = StandInHost(plugins, patch)
    plugin = host.load(PLUGIN_ID)
    host.inject_globals(plugin, vars(wgp))
    demo, _ = host.build_ui(plugin, model_types=("t2v", "vace_14B", "flux", "qwen_image_20B", "flux_schnell"))
    return demo


def main(port: str) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    with tempfile.TemporaryDirectory(prefix="wan2gp-standin-") as workdir:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        demo = build(workdir)
        demo.queue().launch(server_name="127.0.0.1", server_port=int(port), share=False, inbrowser=False)


if __name__ == "__main__":
    main(*sys.argv[1:])
