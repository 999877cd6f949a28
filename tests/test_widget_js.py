"""The widget's own JavaScript unit tests (uvu, widget_assets/test/), run as part of the Python suite."""

from __future__ import annotations

import subprocess
from pathlib import Path


def test_widget_unit_tests_pass(widget_node_modules: Path) -> None:
    result = subprocess.run(
        ["npm", "test", "--silent"],
        cwd=widget_node_modules.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed:" in result.stdout and "Failed:" not in result.stdout, result.stdout
