"""DescribeLogDirs (key 35): the log dirs of this node and the size of each partition in them.

v1 is the same as v0, v2 is flexible, v3 adds a top-level ``error_code``, v4 the dir's total and
usable bytes. ``topics`` null asks for every partition on disk. A partition's ``offset_lag`` is
how far its log end is behind the high watermark (0 for a leader), -1 when its log is on disk but
not hosted (its topic is unknown to the current metadata).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from wirekafka.broker.context import RequestContext
from wirekafka.broker.registry import handles
from wirekafka.log.topic_partition import TopicPartition
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.admin import DescribeLogDirsResponse


@handles(ApiKey.DESCRIBE_LOG_DIRS, versions=(0, 4))
async def describe_log_dirs(ctx: RequestContext, request: Any) -> Any:
    manager = ctx.broker.replica_manager
    if manager is None:
        return DescribeLogDirsResponse(throttle_time_ms=0, error_code=ErrorCode.NO_ERROR, results=[])
    wanted: set[TopicPartition] | None = None
    if request.topics is not None:
        wanted = {
            TopicPartition(topic.topic, index) for topic in request.topics for index in topic.partitions
        }
    results = []
    for directory in manager.describe_log_dirs(wanted):
        topics = [
            DescribeLogDirsResponse.DescribeLogDirsTopic(
                name=name,
                partitions=[
                    DescribeLogDirsResponse.DescribeLogDirsPartition(
                        partition_index=usage.partition,
                        partition_size=usage.size_bytes,
                        offset_lag=usage.offset_lag,
                        is_future_key=False,
                    )
                    for usage in usages
                ],
            )
            for name, usages in groupby(directory.partitions, key=lambda usage: usage.topic)
        ]
        results.append(
            DescribeLogDirsResponse.DescribeLogDirsResult(
                error_code=directory.error_code,
                log_dir=directory.path,
                topics=topics,
                total_bytes=directory.total_bytes,
                usable_bytes=directory.usable_bytes,
            )
        )
    return DescribeLogDirsResponse(throttle_time_ms=0, error_code=ErrorCode.NO_ERROR, results=results)
