"""Fresh RSA-4096 keys, made ahead in a background thread, for the certificates the server makes on request
(``POST /admin/certificates``, the portal's "regenerate").

The real server makes a new RSA-4096 key for each (``CertificateUtils.GetRsaKey``): 0.1-1 s of CPU, which a
request should not wait for. One pool per process keeps ``TARGET`` keys ready once the first key was asked for:
the first :func:`take` makes its key in the caller's thread and starts the pool's thread, which refills after
every :func:`take`. Starting it earlier would load cryptography and spend seconds of CPU at every mock start
(a fixture in a test suite, a demo) for keys most runs never ask for. ``cryptography`` releases the GIL
while it searches for primes, and the thread runs at the lowest CPU priority where the OS allows it, so the
event loop does not notice it. A :func:`take` from an empty pool makes its key in the calling thread.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

KEY_SIZE = 4096
TARGET = 2

_ready: deque[RSAPrivateKey] = deque()
_wake = threading.Condition()
_thread: threading.Thread | None = None


def make_key() -> RSAPrivateKey:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def take() -> RSAPrivateKey:
    """A key no one else has: from the pool when it has one, else made now."""
    with _wake:
        key = _ready.popleft() if _ready else None
        _wake.notify()
    warm()
    return key if key is not None else make_key()


def ready() -> int:
    """How many keys wait in the pool."""
    return len(_ready)


def warm() -> None:
    """Start filling the pool (once per process; the thread is a daemon)."""
    global _thread
    with _wake:
        if _thread is not None:
            return
        _thread = threading.Thread(target=_fill, name="ravensec-mock-keypool", daemon=True)
    _thread.start()


def _fill() -> None:
    with contextlib.suppress(AttributeError, OSError):  # per-thread priority: Linux only
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    while True:
        with _wake:
            while len(_ready) >= TARGET:
                _wake.wait()
        key = make_key()
        with _wake:
            _ready.append(key)
