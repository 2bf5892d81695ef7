"""The group coordinator: consumer groups (classic and KIP-848) and their offsets in ``__consumer_offsets``.

Pure state machines (no I/O, time passed in as ``now_ms``):

- ``shard.py``: one ``__consumer_offsets`` partition's coordinator, every group API;
- ``classic.py`` + ``classic_group.py``: JoinGroup/SyncGroup/Heartbeat/LeaveGroup;
- ``consumer.py`` + ``consumer_group.py`` + ``reconciliation.py`` + ``assignors.py``: KIP-848;
- ``offsets.py``: OffsetCommit/Fetch/Delete, TxnOffsetCommit, retention;
- ``records.py``: the records they emit and replay; ``partitioner.py``: group -> partition.

The trio shell is ``coordinator.py`` (``GroupCoordinator``, composed into a broker by
``build_group_coordinator``) over the shared ``wirekafka.coordinator.runtime``. See docs/groups.md.
"""
