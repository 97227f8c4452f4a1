"""Benchmarks: each module measures one part beside a baseline in the same run and prints a table.

Run all with ``make bench`` (``python -m bench``) or one with ``python -m bench.<module>``. Targets are
stated in each module's output; they are never asserted in tests.
"""
