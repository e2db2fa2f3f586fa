"""HTTP plumbing: bodies in and out, auth, rate-limit headers, refusals and unknown routes.

Two details matter to discord.py (reference §3.9): ``Content-Type`` must be exactly
``application/json`` (it compares verbatim), and a 429 needs a ``Via`` header or it is taken for a
Cloudflare ban.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.typedefs import Middleware

from .backend import Backend, Refusal, Upload

Json = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Routes that carry no bot token: the interaction token in the URL is the credential.
_TOKEN_ROUTES = re.compile(r"^/api/v\d+/(interactions/|webhooks/\d+/[^/]+)|^/cdn/|^/gateway|^/resume-gateway")
_FILE_FIELD = re.compile(r"^files\[(\d+)\]$")


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def no_content() -> web.Response:
    return web.Response(status=204)


async def read_body(request: web.Request) -> tuple[Json, list[Upload]]:
    """The JSON body, or ``payload_json`` plus ``files[n]`` parts of a multipart request."""
    if request.content_type != "multipart/form-data":
        raw = await request.read()
        return (json.loads(raw) if raw else {}), []
    data: Json = {}
    uploads: list[Upload] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        name = part.name or ""
        if name == "payload_json":
            data = json.loads(await part.text())
        elif (match := _FILE_FIELD.match(name)) is not None:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            uploads.append(
                Upload(int(match[1]), part.filename or "file", bytes(await part.read()), content_type)
            )
    return data, uploads


@dataclass
class RateLimits:
    """Per-bucket counters so every response carries real-looking X-RateLimit-* headers."""

    windows: dict[str, tuple[float, int]] = field(default_factory=dict)
    injected: list[tuple[re.Pattern[str], float, bool]] = field(default_factory=list)
    served_429: int = 0

    def headers(self, backend: Backend, bucket: str) -> dict[str, str]:
        now = time.time()
        window = backend.config.rate_limit_window
        start, count = self.windows.get(bucket, (now, 0))
        if now - start >= window:
            start, count = now, 0
        count += 1
        self.windows[bucket] = (start, count)
        reset = start + window
        return {
            "X-RateLimit-Limit": str(backend.config.rate_limit),
            "X-RateLimit-Remaining": str(max(backend.config.rate_limit - count, 0)),
            "X-RateLimit-Reset": f"{reset:.3f}",
            "X-RateLimit-Reset-After": f"{max(reset - now, 0.001):.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(bucket.encode(), usedforsecurity=False).hexdigest()[:16],
        }

    def take_injected(self, path: str) -> tuple[float, bool] | None:
        for index, (pattern, retry_after, is_global) in enumerate(self.injected):
            if pattern.search(path):
                del self.injected[index]
                self.served_429 += 1
                return retry_after, is_global
        return None


def _bucket(request: web.Request) -> str:
    # Bucket by route template plus the major parameters, like Discord's per-route limits. A webhook's
    # major parameter is its id *and* token, and each interaction has its own callback: interaction
    # responses and follow-ups of different users never share a bucket.
    info = request.match_info
    resource = info.route.resource
    template = resource.canonical if resource is not None else request.path
    if "interaction_id" in info:
        major = info["interaction_id"]
    elif "webhook_id" in info:
        major = f"{info['webhook_id']}/{info.get('token', '')}"
    else:
        major = info.get("channel_id") or info.get("guild_id") or ""
    return f"{request.method} {template} {major}"


def too_many_requests(retry_after: float, is_global: bool) -> web.Response:
    response = json_response(
        {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}, 429
    )
    response.headers.update(
        {
            "Via": "1.1 google",
            "Retry-After": str(max(int(retry_after), 1)),
            "X-RateLimit-Scope": "global" if is_global else "user",
            "X-RateLimit-Limit": "1",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        }
    )
    return response


def middleware(backend: Backend, limits: RateLimits) -> Middleware:
    @web.middleware
    async def handle(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if not _TOKEN_ROUTES.search(path):
            expected = f"Bot {backend.config.token}"
            if request.headers.get("Authorization") != expected:
                backend.note(request, "auth", "missing or wrong 'Authorization: Bot <token>' header")
                return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        injected = limits.take_injected(path)
        if injected is not None:
            return too_many_requests(*injected)
        try:
            response = await handler(request)
        except Refusal as refusal:
            backend.note(request, refusal.kind, "; ".join(refusal.problems), refusal.code)
            response = json_response(refusal.body(), refusal.status)
        if path.startswith("/api/") and not isinstance(response, web.WebSocketResponse):
            response.headers.update(limits.headers(backend, _bucket(request)))
        return response

    return handle


def unknown_route(backend: Backend) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        # Visible on purpose: a route the bot needs but the stand-in lacks should fail loudly.
        backend.note(
            request, "unknown_route", f"the stand-in does not implement {request.method} {request.path}"
        )
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    return handle
