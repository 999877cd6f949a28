"""The README's app-factory example, run as a host would: its module imported in a fresh interpreter with
warnings as errors, the app created, and a page served with the widget."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.faults import ROOT

README = (ROOT / "README.md").read_text()


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, re.DOTALL)


def test_the_factory_example_runs(tmp_path: Path) -> None:
    factory = next(block for block in python_blocks() if "def create_app" in block)
    (tmp_path / "yourapp.py").write_text(factory.replace('"…"', '"a-secret"'))
    check = (
        "from yourapp import create_app\n"
        "app = create_app()\n"
        "app.add_url_rule('/', 'home', lambda: '<html><head></head><body>Hi</body></html>')\n"
        "page = app.test_client().get('/').get_data(as_text=True)\n"
        "assert '/livechat/static/loader.js' in page, page\n"
        "assert app.extensions['socketio'].async_mode == 'threading'\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", check],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stdout + result.stderr


def test_the_install_line_names_a_path_or_url_that_exists_today() -> None:
    """The name is not on the package index yet: ``pip install flask-livechat`` would fail."""
    lines = re.findall(r"^pip install (\S+)", README, re.MULTILINE)
    assert lines and all(line.startswith(("./", "git+")) for line in lines), lines
