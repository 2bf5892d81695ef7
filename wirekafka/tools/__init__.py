"""Client-side logic of the ``wirekafka`` command's client commands (topics, produce, consume, groups).

These are plain Kafka clients built on kafka-python (the product's synchronous client, see
docs/dependencies.md), so they work against any Kafka-compatible broker, wirekafka or not. They
import nothing from the broker side: ``wirekafka topics list`` must not pay for trio or the codec.
``wirekafka/cli.py`` holds only the click declarations; each module here does one command
family and returns plain data or lines, so it can be tested without click.
"""
