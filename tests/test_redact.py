"""Card numbers are masked before storage and broadcast; everything else is left alone."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest
from flask_socketio import SocketIOTestClient
from hypothesis import given
from hypothesis import strategies as st

from flask_livechat.services.redact import luhn_valid, mask_card_numbers
from flask_livechat.state import LiveChatState


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("4242 4242 4242 4242", "•••• •••• •••• 4242"),
        ("card: 4242-4242-4242-4242, exp 12/29", "card: ••••-••••-••••-4242, exp 12/29"),
        ("4111111111111111", "••••••••••••1111"),
        ("amex 378282246310005.", "amex •••••••••••0005."),
        ("6011 0009 9013 9424 and 5555 5555 5555 4444", "•••• •••• •••• 9424 and •••• •••• •••• 4444"),
        ("4242 4242 4242 4241", "4242 4242 4242 4241"),  # fails Luhn: not a card
        ("order 1234567890123", "order 1234567890123"),
        ("call +49 30 12345678", "call +49 30 12345678"),
        ("12/29 cvc 123", "12/29 cvc 123"),
        ("4242  4242 4242 4242", "••••  •••• •••• 4242"),  # double spaces
        ("4242.4242.4242.4242", "••••.••••.••••.4242"),  # dots
        ("4242 - 4242 - 4242 - 4242", "4242 - 4242 - 4242 - 4242"),  # three separators: words apart
        ("on 2024.01.15 at 10.30", "on 2024.01.15 at 10.30"),
    ],
)
def test_masking(text: str, masked: str) -> None:
    assert mask_card_numbers(text) == masked


@given(st.text())
def test_masking_only_ever_replaces_digits(text: str) -> None:
    result = mask_card_numbers(text)
    assert len(result) == len(text)
    for before, after in zip(text, result, strict=True):
        assert after == before or (before.isdigit() and after == "•")


def _luhn_complete(prefix: str) -> str:
    """``prefix`` plus the check digit that makes it Luhn-valid."""
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


_SEPARATORS = st.sampled_from([" ", "  ", ".", "-", ". ", " -", "", "--"])
_CARDS = (
    st.integers(12, 18).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)).map(_luhn_complete)
)


@given(
    card=_CARDS,
    separators=st.lists(_SEPARATORS, min_size=18, max_size=18),
    before=st.text(alphabet=st.characters(blacklist_categories=["Nd"], blacklist_characters="•"), max_size=5),
    after=st.text(alphabet=st.characters(blacklist_categories=["Nd"], blacklist_characters="•"), max_size=5),
)
def test_any_separator_of_up_to_two_characters_is_masked(
    card: str, separators: list[str], before: str, after: str
) -> None:
    written = card[0] + "".join(sep + digit for sep, digit in zip(separators, card[1:], strict=False))
    masked = mask_card_numbers(f"{before}{written}{after}")
    digits = "".join(c for c in masked if c in "0123456789•")  # not isdigit(): "²" is a digit to Python
    assert digits == "•" * (len(card) - 4) + card[-4:]


def test_the_widget_masks_exactly_as_the_server_does(widget_node_modules: Path) -> None:
    """widget_assets/src/shared/redact.js against this module on the same inputs (run in Node)."""
    randomness = random.Random(7)
    samples = []
    for _ in range(400):
        card = _luhn_complete(
            "".join(randomness.choice("0123456789") for _ in range(randomness.randint(10, 19)))
        )
        separators = [randomness.choice([" ", "  ", ".", "-", "", "   ", "/"]) for _ in card]
        written = "".join(digit + sep for digit, sep in zip(card, separators, strict=True))
        samples.append(randomness.choice(["", "a", "x1 ", "#"]) + written + randomness.choice(["", "b", "9"]))
    script = (
        "import('./src/shared/redact.js').then((m) => { let data = '';"
        "process.stdin.on('data', (c) => (data += c)); process.stdin.on('end', () =>"
        "process.stdout.write(JSON.stringify(JSON.parse(data).map(m.maskCardNumbers)))); });"
    )
    ran = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps(samples),
        capture_output=True,
        text=True,
        cwd=widget_node_modules.parent,
        timeout=60,
        check=True,
    )
    assert json.loads(ran.stdout) == [mask_card_numbers(sample) for sample in samples]
    assert any("•" in masked for masked in json.loads(ran.stdout))


def test_luhn() -> None:
    assert luhn_valid("4242424242424242") and not luhn_valid("4242424242424241")


def test_cards_are_masked_before_storage_and_broadcast(
    visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    ack = visitor.emit(
        "send_message",
        {"client_id": "c-card-0001", "body": "my card is 4242 4242 4242 4242"},
        namespace="/livechat",
        callback=True,
    )
    assert ack["message"]["body"] == "my card is •••• •••• •••• 4242"
    [pushed] = [e["args"][0]["body"] for e in visitor.get_received("/livechat") if e["name"] == "new_message"]
    assert pushed == "my card is •••• •••• •••• 4242"
    [stored] = livechat.store.conversations.messages_of(ack["message"]["conversation_id"])
    assert "4242 4242 4242 4242" not in stored.body


@pytest.mark.livechat_config(LIVECHAT_MASK_CARD_NUMBERS=False)
def test_masking_can_be_switched_off(visitor: SocketIOTestClient) -> None:
    ack = visitor.emit(
        "send_message",
        {"client_id": "c-card-0002", "body": "4242 4242 4242 4242"},
        namespace="/livechat",
        callback=True,
    )
    assert ack["message"]["body"] == "4242 4242 4242 4242"
