"""Coordinators: record-emitting state machines over internal topics, and the runtime that drives them.

``runtime.py`` is the trio shell shared by coordinators: it serialises the operations of one
internal-topic partition, appends the records they emit, replies once the append is done and
rebuilds the state by replaying the partition when it is loaded (ARCHITECTURE.md, principle 5).
``group/`` is the group coordinator (``__consumer_offsets``).
"""
