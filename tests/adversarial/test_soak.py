"""Issue 6.7's findings kept: the request journal is bounded (the soak showed a long-running mock growing
~1 MiB/s with it), and the soak itself runs end to end with no errors (slow)."""

from __future__ import annotations

import pytest

from ravensec.mock.journal import MAX_ENTRIES, Journal, JournalEntry


def test_the_journal_keeps_only_the_most_recent_requests() -> None:
    j = Journal()
    for i in range(MAX_ENTRIES * 2):
        j.record(JournalEntry("GET", f"/r/{i}", "portal", "", 200, "127.0.0.1"))
    snap = j.snapshot()
    assert MAX_ENTRIES <= len(snap) <= MAX_ENTRIES + MAX_ENTRIES // 10
    assert snap[-1].path == f"/r/{MAX_ENTRIES * 2 - 1}"  # newest kept, oldest dropped
    assert snap[0].path != "/r/0"


@pytest.mark.slow
def test_a_short_soak_runs_clean() -> None:
    from bench.soak import render, run

    report = run(seconds=5, clients=2)
    assert report["requests"] > 100
    assert not report["errors"], report["errors"]
    assert report["fds"]["end"] <= report["fds"]["start"] + 40  # connections closed when the clients left
    assert "p99" in render(report)
