"""Rows become frozen records (store/records.py ``to_record``): each field from the row's column of that name,
optional ones the row lacks left at their defaults, and the plan kept per result shape never applied to a
row of another shape."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from flask_livechat.store import Store
from flask_livechat.store.models import Conversation
from flask_livechat.store.records import ConversationRecord, to_record
from tests.helpers import talking_visitors

_COLUMNS = Conversation.__table__.c


def _row(store: Store, *extra: object) -> object:
    with store.database.reading() as connection:
        return connection.execute(select(*_COLUMNS, *extra)).first()


def test_optional_fields_a_row_lacks_keep_their_defaults(store: Store) -> None:
    talking_visitors(store, 1)
    record = to_record(ConversationRecord, _row(store))
    assert record.chat_number == 1 and record.left_message is False
    assert record.status == "open" and record.last_seq == 1


def test_rows_of_two_shapes_each_fill_their_own_fields(store: Store) -> None:
    talking_visitors(store, 1)
    plain = _row(store)
    numbered = _row(store, literal(7).label("chat_number"), literal(True).label("left_message"))
    for _ in range(2):  # the second time from the plans kept the first time
        assert to_record(ConversationRecord, numbered).chat_number == 7
        assert to_record(ConversationRecord, numbered).left_message is True
        record = to_record(ConversationRecord, plain)
        assert record.chat_number == 1 and record.left_message is False
        assert all(getattr(record, column.name) == getattr(plain, column.name) for column in _COLUMNS)


def test_a_row_without_a_required_field_is_an_error(store: Store) -> None:
    talking_visitors(store, 1)
    with store.database.reading() as connection:
        row = connection.execute(select(Conversation.id, Conversation.status)).first()
    with pytest.raises(AttributeError):
        to_record(ConversationRecord, row)


def test_related_records_are_passed_beside_the_row(store: Store) -> None:
    talking_visitors(store, 1)
    record = to_record(ConversationRecord, _row(store), tags=("vip",))
    assert record.tags == ("vip",)
