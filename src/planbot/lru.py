"""A bounded map shared by threads that forgets what was used least recently (the caches of hot data)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """At most ``size`` entries; reading one keeps it, adding past the bound drops the oldest."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        """The entry, kept as recently used; None when absent."""
        return self.pick([key]).get(key)

    def pick(self, keys: Iterable[K]) -> dict[K, V]:
        """The entries present among ``keys``, each kept as recently used."""
        with self._lock:
            found = {key: self._items[key] for key in keys if key in self._items}
            for key in found:
                self._items.move_to_end(key)
        return found

    def put(self, items: Mapping[K, V]) -> None:
        """Add or replace entries, dropping the least recently used past the bound."""
        with self._lock:
            self._items.update(items)
            for key in items:
                self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def forget(self, where: Callable[[K], bool]) -> None:
        """Drop every entry whose key ``where`` holds for."""
        with self._lock:
            for key in [k for k in self._items if where(k)]:
                del self._items[key]
