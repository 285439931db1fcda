"""A process's few most recently used things, by key (a bounded LRU, thread-safe).

For what a process draws once per change of a page and reuses until the page's
version changes (articles/views.py, comments/threads.py): the version is part of
the key, so nothing here is ever invalidated, only pushed out by newer entries.
"""

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class Recent(Generic[Value]):
    _every: "weakref.WeakSet[Recent]" = weakref.WeakSet()

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()
        Recent._every.add(self)

    @classmethod
    def forget_all(cls) -> None:
        """Empty every one of them (tests: each starts from a fresh process)."""
        for recent in list(cls._every):
            recent.clear()

    def get(self, key: Hashable) -> Value | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
