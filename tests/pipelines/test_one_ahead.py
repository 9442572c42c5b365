"""Ingest stores a file while it reads and validates the next (``ingest.one_ahead``): in order, one
ahead and no more, failures where they belong."""
from __future__ import annotations

import threading

import pytest

from pipelines.ingest import one_ahead


def test_each_item_is_used_in_order_while_the_next_is_made():
    events, next_made = [], {i: threading.Event() for i in range(4)}

    def make(i):
        events.append(("make", i))
        next_made[i].set()
        return i * 10

    def use(value):
        i = value // 10
        if i + 1 < 4:  # the next item's make runs while this one is used
            assert next_made[i + 1].wait(10), f"item {i + 1} was not made while item {i} was used"
        events.append(("use", i))
        return value + 1

    assert list(one_ahead([0, 1, 2, 3], make, use)) == [1, 11, 21, 31]
    # never two ahead: item i + 2 is made only once item i has been used
    for i in range(2):
        assert events.index(("use", i)) < events.index(("make", i + 2))


def test_a_failure_in_making_is_raised_at_its_turn_after_the_items_before_it():
    used = []

    def make(i):
        if i == 1:
            raise ValueError("cannot make 1")
        return i

    with pytest.raises(ValueError, match="cannot make 1"):
        for out in one_ahead([0, 1, 2], make, used.append):
            pass
    assert used == [0]


def test_the_thread_making_items_carries_the_caller_s_context():
    import contextvars

    var = contextvars.ContextVar("flow", default=None)
    var.set("the flow's run")
    assert list(one_ahead([1, 2], lambda i: (i, var.get()), lambda made: made)) == [(1, "the flow's run"),
                                                                                    (2, "the flow's run")]


def test_no_items_make_nothing():
    assert list(one_ahead([], lambda i: 1 / 0, lambda made: made)) == []
