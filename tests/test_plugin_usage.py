"""Inside the stand-in host: measured speed from the live output folder, and cleanup asking Wan2GP if it is busy."""

from __future__ import annotations

from datetime import datetime

import pytest
from outputs_fixture import settings, write_mp4
from standin_host import open_tab
from test_plugin import PLUGIN_ID, host, loaded  # noqa: F401  (the host fixture is shared)

from wan2gp_model_tracker.usage.store import DB_FILENAME


def test_the_tab_shows_measured_speed_from_the_live_save_path(host, wgp, wan):  # noqa: F811
    wgp.server_config["save_path"] = "my_videos"  # the live config wins over wgp_config.json
    write_mp4(wan.root / "my_videos" / "a.mp4", settings("t2v", seconds=90, steps=30, created=datetime(2026, 11, 1)))
    plugin, _, _ = loaded(host, wgp)
    table = open_tab(plugin, {})[1]
    assert table["Speed"].iloc[0].endswith(" · ⏱ 3 s/step (1 run)")
    assert (wan.root / "plugins" / PLUGIN_ID / DB_FILENAME).is_file()


def test_cleanup_asks_wan2gp_whether_it_is_generating(host, wgp):  # noqa: F811
    wgp.is_generation_in_progress = lambda: True
    plugin, _, _ = loaded(host, wgp)
    assert plugin._controller.generating() is True
    wgp.is_generation_in_progress = lambda: False
    assert plugin._controller.generating() is False


def test_a_wan2gp_that_cannot_say_is_treated_as_busy(host, wgp):  # noqa: F811
    plugin, _, _ = loaded(host, wgp)
    with pytest.raises(RuntimeError):
        plugin._controller.generating()
