"""Every handler module, imported for its registrations (one module per API family)."""

from wirekafka.broker.handlers import (
    admin,
    api_versions,
    configs,
    fetch,
    group,
    log_dirs,
    metadata,
    offsets,
    offsets_commit,
    produce,
    txn,
)

__all__ = [
    "admin",
    "api_versions",
    "configs",
    "fetch",
    "group",
    "log_dirs",
    "metadata",
    "offsets",
    "offsets_commit",
    "produce",
    "txn",
]
