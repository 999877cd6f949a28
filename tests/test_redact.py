"""Card numbers are masked before storage and broadcast; everything else is left alone."""

from __future__ import annotations

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
        ("4242  4242 4242 4242", "4242  4242 4242 4242"),  # two spaces: not one grouped number
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
