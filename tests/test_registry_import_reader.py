"""The import's reading thread (engine._ahead): order, errors, language, early stop."""

import threading

import pytest
from django.utils import translation

from wangge.registry.imports.engine import _ahead


def test_items_come_in_order_from_another_thread():
    threads = set()

    def make():
        for i in range(50):
            threads.add(threading.current_thread().name)
            yield i

    assert list(_ahead(make)) == list(range(50))
    assert threads == {"import-reader"}


def test_an_error_of_the_reader_is_raised_in_the_caller_after_the_items_before_it():
    def make():
        yield 1
        yield 2
        raise ValueError("unreadable")

    got = []
    with pytest.raises(ValueError, match="unreadable"):
        for item in _ahead(make):
            got.append(item)
    assert got == [1, 2]


def test_the_reader_works_in_the_callers_language():
    def make():
        yield translation.get_language()

    with translation.override("en"):
        assert list(_ahead(make)) == ["en"]
    with translation.override("zh-hans"):
        assert list(_ahead(make)) == ["zh-hans"]


def test_closing_early_stops_the_reader():
    made = []

    def make():
        for i in range(1000):
            made.append(i)
            yield i

    items = _ahead(make)
    assert next(items) == 0
    items.close()
    assert not any(t.name == "import-reader" for t in threading.enumerate())
    assert len(made) < 10  # it read no further than one item ahead
