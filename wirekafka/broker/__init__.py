"""A broker node: handlers registered per API, composed with the subsystems they call."""
