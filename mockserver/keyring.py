"""Fixed RSA-4096 keys for the certificates a world hands to its users: each product's Operator and Cluster
Admin certificates, the training handouts, the products created through the API.

The real server gives users RSA-4096 keys (``CertificateUtils.GetRsaKey``), and some clients read nothing
else (the Node.js client looks for ``BEGIN RSA PRIVATE KEY`` only). Such a key takes 0.1-1 s to make and
cannot be derived from a seed with ``cryptography``, while a world must give the same certificates, with the
same thumbprints, on every run and on every machine (snapshots, ``ravensec train --check``, the material
cache). So the keys are made once and kept here, in ``keyring_data``, as their two primes: key ``i`` of the
ring is a pure function of ``i``. They are throwaway keys of a mock, public like the seeded EC keys and the
mock CA's own key; ``python -m ravensec.mock.keyring`` makes a new ring.

A world takes its keys in order (:func:`world_key`); past the end of the ring it starts again, so only a
world with more than ``len(ring) / 2`` products gives two of its products the same key (each still has its
own certificates). Keys a user asks the server for (``POST /admin/certificates``, "regenerate") are fresh:
see :mod:`ravensec.mock.keypool`.
"""

from __future__ import annotations

import base64
import functools
import math
import sys
from typing import TYPE_CHECKING

from ravensec.mock.keyring_data import RING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

KEY_SIZE = 4096
PUBLIC_EXPONENT = 65537
_PRIME_BYTES = KEY_SIZE // 16


def size() -> int:
    return len(RING)


def world_key(index: int) -> RSAPrivateKey:
    """Key ``index`` of the ring (modulo its length)."""
    return _key(index % len(RING))


def handout_key(index: int) -> RSAPrivateKey:
    """Keys for training handouts come from the other end of the ring, away from the products' keys."""
    return _key(len(RING) - 1 - index % len(RING))


@functools.cache
def _key(index: int) -> RSAPrivateKey:
    from cryptography.hazmat.primitives.asymmetric import rsa

    raw = base64.b64decode(RING[index])
    p = int.from_bytes(raw[:_PRIME_BYTES], "big")
    q = int.from_bytes(raw[_PRIME_BYTES:], "big")
    d = pow(PUBLIC_EXPONENT, -1, math.lcm(p - 1, q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(PUBLIC_EXPONENT, p * q),
    )
    # Checking a 4096-bit key costs ~0.3 s; these were made by OpenSSL and are checked by the tests.
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def make_ring(count: int) -> str:
    """The source of a new ``keyring_data`` module with ``count`` fresh keys."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    lines = []
    for _ in range(count):
        n = rsa.generate_private_key(PUBLIC_EXPONENT, KEY_SIZE).private_numbers()
        raw = n.p.to_bytes(_PRIME_BYTES, "big") + n.q.to_bytes(_PRIME_BYTES, "big")
        lines.append(f'    "{base64.b64encode(raw).decode()}",\n')
    return (
        '"""The primes of the mock\'s fixed RSA-4096 keys (see ``ravensec.mock.keyring``): base64 of p then q,\n'
        f'{_PRIME_BYTES} bytes each, big-endian. Made by ``python -m ravensec.mock.keyring``."""\n\n'
        "RING: tuple[str, ...] = (\n" + "".join(lines) + ")\n"
    )


if __name__ == "__main__":
    sys.stdout.write(make_ring(int(sys.argv[1]) if len(sys.argv) > 1 else 64))
