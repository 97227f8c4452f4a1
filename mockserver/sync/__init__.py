"""Regenerates the mock's RavenDB facts (``routes.tsv``, ``messages.tsv``, ``ravendb_build.json``) from the
real server binary: ``python -m ravensec.mock.sync --wheel ravendb_embedded-X.Y.Z-py3-none-any.whl``.

A maintainer's tool, installed with the ``sync`` extra (``dnfile``). Nothing in the mock imports it: the mock
reads only the generated files. ``blob`` is pure Python (ECMA-335 signatures and custom attribute blobs) and
is unit-tested without dnfile; ``assembly`` reads the metadata tables with dnfile.
"""
