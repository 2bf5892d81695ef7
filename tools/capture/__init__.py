"""Capture tooling for wirekafka's golden protocol data (see tests/protocol/golden/README.md).

Modules: ``wire`` (headers, Produce records, batch headers), ``proxy`` (recording TCP proxy),
``broker`` (runs tansu), ``golden`` (selection, files, manifest), ``clients`` (one workload per
client), ``__main__`` (the ``python -m tools.capture`` command line).
"""
