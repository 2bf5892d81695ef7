"""Answers that depend only on the metadata image, encoded once per image and reused.

Every connection starts with ApiVersions, and every client asks for all topics' metadata when it
bootstraps and at each refresh; both answers change only when the image does (it is immutable and
replaced on every change), so re-encoding them per request cost more than the rest of the request.
The broker holds one of these; a key names what else the answer depends on (version, listener,
request flags), and an entry is used only while its image is the broker's current one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from wirekafka.metadata.image import MetadataImage
from wirekafka.protocol.framing import EncodedBody


class EncodedAnswers:
    """Encoded answers by key, each valid for the image it was built from."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[MetadataImage, EncodedBody]] = {}

    def get(self, key: Hashable, image: MetadataImage, build: Callable[[], EncodedBody]) -> EncodedBody:
        """The answer for ``key`` under ``image``, built (and kept) when there is none yet.

        Keys are few (versions x listeners x flags), so entries are replaced, never evicted.
        """
        entry = self._entries.get(key)
        if entry is not None and entry[0] is image:
            return entry[1]
        body = build()
        self._entries[key] = (image, body)
        return body
