"""Replication: which partitions this node hosts, leads or follows, and the data path over them.

``partition_state`` is the pure replication state of one partition (log end offsets, high
watermark, ISR); ``append_validation`` and ``offset_queries`` are pure rules; ``replica_manager``
is the trio component that owns the log manager and serves Produce, Fetch and the offset APIs,
with ``hosted_partition`` and ``waiters`` as its parts. Only the last three import trio.
"""
