"""The committed widget and console bundles are what widget_assets/ builds, and keep their promises."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import need

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "flask_livechat" / "static" / "livechat"
ASSETS = ROOT / "widget_assets"


#: What every host page pays for the widget before anyone opens it (issue 3: at most 3 KB gzipped).
LOADER_BUDGET_GZIPPED = 3_072
#: The chat, loaded on first open (issue 14: at most 30 KB gzipped, without the emoji picker's own bundle).
WIDGET_BUDGET_GZIPPED = 30_000
#: The emoji picker, loaded when a visitor first opens it.
EMOJI_BUDGET_GZIPPED = 4 * 1024


def test_bundles_evaluate_no_strings_as_code() -> None:
    for name in ("loader.js", "widget.js", "console.js", "emoji.js"):
        source = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"\beval\s*\(|\bnew Function\s*\(|\bFunction\s*\(", source), name


def test_npm_ci_and_build_reproduce_the_committed_bundles(tmp_path: Path) -> None:
    need(shutil.which("npm") is not None, "Node.js 20+ and npm (apt-get install nodejs npm)")
    workdir = tmp_path / "widget_assets"
    shutil.copytree(ASSETS, workdir, ignore=shutil.ignore_patterns("node_modules"))
    # build.mjs writes next to the package: give it the same relative place as in the repository.
    (tmp_path / "flask_livechat" / "static").mkdir(parents=True)
    shutil.copytree(STATIC, tmp_path / "flask_livechat" / "static" / "livechat")
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"], cwd=workdir, check=True, capture_output=True, timeout=300
    )
    check = subprocess.run(
        ["npm", "run", "--silent", "check"], cwd=workdir, capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_loader_stays_within_its_budget() -> None:
    loader = (STATIC / "loader.js").read_bytes()
    assert len(gzip.compress(loader, compresslevel=9)) <= LOADER_BUDGET_GZIPPED


def test_the_chat_and_the_emoji_picker_stay_within_their_budgets() -> None:
    widget = (STATIC / "widget.js").read_bytes()
    assert len(gzip.compress(widget, compresslevel=9)) <= WIDGET_BUDGET_GZIPPED
    emoji = (STATIC / "emoji.js").read_bytes()
    assert len(gzip.compress(emoji, compresslevel=9)) <= EMOJI_BUDGET_GZIPPED
    assert "\U0001f44d".encode() not in widget  # the emoji list is not in the chat bundle


def test_the_loader_does_not_carry_the_socket_client() -> None:
    loader = (STATIC / "loader.js").read_text(encoding="utf-8")
    assert "engine.io" not in loader and "socket.io" not in loader.replace('"/socket.io"', "")
    assert "engine.io" in (STATIC / "widget.js").read_text(encoding="utf-8")


def test_bundles_set_no_inline_event_handlers() -> None:
    for name in ("loader.js", "widget.js", "emoji.js"):
        source = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(
            r"""setAttribute\(\s*["']on|\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML""", source
        ), name
