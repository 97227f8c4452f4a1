"""Finished response bodies of ``GET /admin/certificates``, least recently used first out, bounded in bytes.

Keys hold a ``CertStore.version`` (unique in the process), so an entry can never answer for other contents:
a change to the certificates makes new keys, and the old bodies age out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

# Paging through 10,000 certificates 100 at a time makes ~100 bodies of ~100 kB. The bound is what the mock's
# memory may grow by (bench.mock_bench checks +10% at most while paging through 10,000 twice), not a hit rate.
DEFAULT_MAX_BYTES = 8 * 1024 * 1024


class BodyCache:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()  # one cache for every mock of the process, each on its own loop thread

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._bodies)

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes // 4:  # one huge listing would evict everything else
            return
        with self._lock:
            old = self._bodies.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._bodies[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self._size = 0
