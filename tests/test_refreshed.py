"""The process-wide short caches: one refresh at a time, the last value meanwhile, a change seen at once."""

from __future__ import annotations

import threading

from flask_livechat.services.refreshed import Refreshed


class SlowStore:
    """A store read that waits for the test to let it answer, counting the reads."""

    def __init__(self) -> None:
        self.reads = 0
        self.answer = "first"
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def load(self) -> str:
        self.reads += 1
        self.entered.set()
        assert self.release.wait(5)
        return self.answer


def test_while_one_caller_refreshes_the_others_keep_the_last_value() -> None:
    store, period = SlowStore(), [60.0]
    value = Refreshed(store.load, lambda: period[0])
    assert value.get() == "first" and value.get() == "first" and store.reads == 1
    period[0] = 0.0  # stale from now on
    store.answer, store.release = "second", threading.Event()
    store.entered.clear()
    refresher = threading.Thread(target=value.get)
    refresher.start()
    assert store.entered.wait(5)
    # Fifty callers while the refresh is under way: none reads the store again, each gets the last value.
    assert [value.get() for _ in range(50)] == ["first"] * 50 and store.reads == 2
    store.release.set()
    refresher.join(5)
    period[0] = 60.0
    assert value.get() == "second" and store.reads == 2


def test_a_change_here_is_seen_at_once_even_during_a_refresh() -> None:
    store = SlowStore()
    value = Refreshed(store.load, lambda: 60.0)
    store.release = threading.Event()
    refresher = threading.Thread(target=value.get)
    refresher.start()
    assert store.entered.wait(5)
    value.forget()  # e.g. a block made in this process while the old list was being read
    store.answer = "after the change"
    store.release.set()
    refresher.join(5)
    # The read begun before the change is not kept: the next caller reads again.
    assert value.get() == "after the change" and store.reads == 2
    value.set("known here")
    assert value.get() == "known here" and store.reads == 2


def test_with_no_value_yet_every_caller_reads() -> None:
    store = SlowStore()
    value = Refreshed(store.load, lambda: 60.0)
    value.forget()
    assert value.get() == "first" and store.reads == 1
