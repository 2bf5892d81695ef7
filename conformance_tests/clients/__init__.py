"""One adapter per real client library, behind the small interface in `base.py`.

Why adapters: the produce/consume round-trip families run the same assertions through every client,
so each library's spelling (acks, codecs, headers, timestamps, assignment) lives in one place.
Cases that exercise a client-specific feature (groups, transactions, admin) use the library directly.
"""

from conformance_tests.clients.base import ALL_CLIENTS, ClientAdapter, ClientUnavailable, Msg, make_client

__all__ = ["ALL_CLIENTS", "ClientAdapter", "ClientUnavailable", "Msg", "make_client"]
