"""Helpers for tests: run brokers in-process or as subprocesses, on free loopback ports."""
