"""The on-disk partition log, in Kafka's layout: segments, indexes, checkpoints, recovery,
retention and compaction. Synchronous file I/O only; see ``docs/storage.md``.

Entry points: :class:`wirekafka.log.log_manager.LogManager` (all logs of a log dir),
:class:`wirekafka.log.partition_log.PartitionLog` (one partition),
:class:`wirekafka.log.config.LogConfig` (topic configs).
"""
