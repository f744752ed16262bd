"""The bounded cache: what is read stays, what was used least recently goes first."""

from __future__ import annotations

from planbot.lru import Recent


def test_adding_past_the_bound_drops_the_least_recently_used_entry() -> None:
    cache: Recent[str, int] = Recent(2)
    cache.put({"a": 1, "b": 2})
    assert cache.get("a") == 1  # read: now the most recent
    cache.put({"c": 3})
    assert cache.pick(["a", "b", "c"]) == {"a": 1, "c": 3}
    assert len(cache) == 2


def test_forget_drops_only_the_entries_it_names() -> None:
    cache: Recent[str, int] = Recent(10)
    cache.put({"doc1#0": 1, "doc1#1": 2, "doc2#0": 3})
    cache.forget(lambda key: key.startswith("doc1#"))
    assert cache.pick(["doc1#0", "doc1#1", "doc2#0"]) == {"doc2#0": 3}
    assert cache.get("doc1#0") is None
