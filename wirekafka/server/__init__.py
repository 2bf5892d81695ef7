"""The network shell: trio listeners and the per-connection framing loop. Only trio lives here."""
