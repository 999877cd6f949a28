"""How card-number masking scales with the length and shape of chat text (it must stay linear).

Run: python bench/redact.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_livechat.services.redact import mask_card_numbers

SHAPES = {
    "prose": "Hello, could you check order 12345 for me? ",
    "one card in prose": "my card is 4242 4242 4242 4242, thanks ",
    "digits only": "1",
    "spaced digits": "1 ",
    "dashed digits": "1-",
    "card groups": "4242 ",
    "alternating": "a1",
}


def best_of(text: str, runs: int = 5) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        mask_card_numbers(text)
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    print(f"{'shape':<20} {'4 KB':>10} {'64 KB':>10} {'1 MB':>10}  (ms, best of 5)")
    for name, unit in SHAPES.items():
        row = []
        for size in (4_000, 64_000, 1_000_000):
            text = (unit * (size // len(unit) + 1))[:size]
            row.append(best_of(text) * 1000)
        print(f"{name:<20} {row[0]:>10.2f} {row[1]:>10.2f} {row[2]:>10.1f}")


if __name__ == "__main__":
    main()
