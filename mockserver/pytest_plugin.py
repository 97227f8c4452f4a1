"""pytest plugin: the ravendb_cloud fixtures (filled in by the mock issue)."""
