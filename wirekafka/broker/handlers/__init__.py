"""Every handler module, imported for its registrations (one module per API family)."""

from wirekafka.broker.handlers import admin, api_versions, configs, metadata

__all__ = ["admin", "api_versions", "configs", "metadata"]
