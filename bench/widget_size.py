"""Reports what the widget costs a host page: raw, gzip and deflate sizes of the committed bundles.

    python bench/widget_size.py

The loader is what every page downloads; widget.js (the chat with socket.io-client) only loads when a
visitor opens the chat or has an ongoing conversation. tests/test_widget_bundle.py fails when the loader
exceeds its 3 KB gzipped budget; this script only reports.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "flask_livechat" / "static" / "livechat"
BUNDLES = (
    ("loader.js", "every host page"),
    ("widget.js", "on first open / ongoing chat"),
    ("emoji.js", "when the emoji picker is first opened"),
    ("console.js", "agent console only"),
)


def sizes(data: bytes) -> tuple[int, int, int]:
    deflated = zlib.compress(data, 9)
    return len(data), len(gzip.compress(data, compresslevel=9)), len(deflated)


def main() -> None:
    print(f"{'file':<12} {'raw':>9} {'gzip -9':>9} {'deflate':>9}  loaded")
    for name, when in BUNDLES:
        raw, gzipped, deflated = sizes((STATIC / name).read_bytes())
        print(f"{name:<12} {raw:>9,} {gzipped:>9,} {deflated:>9,}  {when}")


if __name__ == "__main__":
    main()
