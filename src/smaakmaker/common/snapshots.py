# SPDX-License-Identifier: EUPL-1.2
"""A small thread-safe in-process cache with a size bound and an age limit (Django-free)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable


class SnapshotCache:
    """Least-recently-used entries, each kept for at most ``seconds``."""

    def __init__(self, *, max_entries: int, seconds: float, clock=time.monotonic):
        self.max_entries = max_entries
        self.seconds = seconds
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored, value = entry
            if self._clock() - stored > self.seconds:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            self._entries[key] = (self._clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
