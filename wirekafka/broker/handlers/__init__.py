"""Every handler module, imported for its registrations (one module per API family)."""

from wirekafka.broker.handlers import api_versions

__all__ = ["api_versions"]
