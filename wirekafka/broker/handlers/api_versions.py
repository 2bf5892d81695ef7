"""ApiVersions (key 18): the first request of every client.

v0-v2 carry the served (key, min, max) ranges; v3 (flexible) adds the client's software name and
version and, in the response, features as tagged fields — written only when they hold a
non-default value, because librdkafka before 2.2 mis-skips tagged fields here. The response
header is always v0 (``framing.response_header_version``).
"""

from __future__ import annotations

from typing import Any

from wirekafka.broker.context import RequestContext
from wirekafka.broker.registry import handles
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.framing import EncodedBody
from wirekafka.protocol.messages.api_versions import ApiVersionsResponse


@handles(ApiKey.API_VERSIONS, versions=(0, 4))
async def api_versions(ctx: RequestContext, request: Any) -> EncodedBody:
    # Every connection starts with this request; the answer changes only with the image (the
    # finalized features), so it is encoded once per version and image.
    broker = ctx.broker
    return broker.encoded_answers.get(
        ("ApiVersions", ctx.api_version),
        broker.metadata_image,
        lambda: EncodedBody.of(_build(ctx), ctx.api_version),
    )


def _build(ctx: RequestContext) -> Any:
    ranges = ctx.broker.registry.api_versions()
    response = ApiVersionsResponse(
        error_code=ErrorCode.NO_ERROR,
        api_keys=[
            ApiVersionsResponse.ApiVersion(api_key=key, min_version=low, max_version=high)
            for key, low, high in ranges
        ],
        throttle_time_ms=0,
    )
    if ctx.api_version >= 3:
        features = ctx.broker.metadata_image.finalized_features
        if features:
            response.finalized_features_epoch = max(ctx.broker.metadata_image.offset, 0)
            response.finalized_features = [
                ApiVersionsResponse.FinalizedFeatureKey(
                    name=name, max_version_level=level, min_version_level=level
                )
                for name, level in sorted(features.items())
            ]
            response.supported_features = [
                ApiVersionsResponse.SupportedFeatureKey(
                    name=name, min_version=0 if name != "metadata.version" else 1, max_version=level
                )
                for name, level in sorted(features.items())
            ]
    return response
