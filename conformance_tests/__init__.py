"""Portable Kafka conformance suite: stock clients and hand-built frames against any bootstrap address.

Run `pytest conformance_tests --bootstrap HOST:PORT` (or `python -m conformance_tests`); see
docs/conformance.md.
"""
