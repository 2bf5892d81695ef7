"""wirekafka: a Kafka wire-protocol compatible broker in Python on trio."""

__version__ = "0.1.0.dev0"
