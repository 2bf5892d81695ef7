"""The transaction coordinator (``__transaction_state``): Kafka's exactly-once machinery.

``state.py`` (a transactional id's metadata and legal transitions), ``records.py`` (its records),
``shard.py`` (the pure state machine of one ``__transaction_state`` partition) are sans-IO; the
trio glue is ``coordinator.py`` (requests -> shard operations through the shared
``coordinator/runtime.py``) and ``markers.py`` (writing COMMIT/ABORT markers to the partitions of a
finished transaction, then completing it). See docs/transactions.md.
"""
