"""The aiohttp application: REST under /api/v10, the gateway at /gateway, files under /cdn.

It binds 127.0.0.1 on an ephemeral port only; nothing here ever listens on another interface.
"""

from __future__ import annotations

from aiohttp import web

from .backend import Backend, StandinConfig
from .gateway import GatewayHub
from .httputil import RateLimits, middleware, unknown_route
from .interactions import InteractionRoutes
from .rest import RestRoutes

LOOPBACK = "127.0.0.1"


class StandinServer:
    def __init__(self, config: StandinConfig | None = None) -> None:
        self.backend = Backend(config or StandinConfig())
        self.rate_limits = RateLimits()
        self.gateway = GatewayHub(self.backend)
        self.interactions = InteractionRoutes(self.backend)
        self.rest = RestRoutes(self.backend)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[middleware(self.backend, self.rate_limits)], client_max_size=64 * 1024**2
        )
        self.rest.register(app.router)
        self.interactions.register(app.router)
        self.gateway.register(app.router)
        app.router.add_get("/cdn/attachments/{channel_id}/{attachment_id}/{filename}", self._cdn)
        # Last, so every route the stand-in lacks is reported instead of silently 404ing.
        app.router.add_route("*", "/{tail:.*}", unknown_route(self.backend))
        return app

    async def _cdn(self, request: web.Request) -> web.Response:
        stored = self.backend.cdn.get(request.path)
        if stored is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=stored.data, headers={"Content-Type": stored.content_type})

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return f"{self.base_url}/api/v10"

    async def start(self) -> None:
        self._runner = web.AppRunner(self.build_app(), handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, LOOPBACK, 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        assert host == LOOPBACK, f"stand-in bound to {host}, expected loopback"
        self.port = int(port)
        self.backend.base_url = self.base_url

    async def stop(self) -> None:
        for connection in self.gateway.connections:
            if not connection.ws.closed:
                await connection.ws.close(code=1001, message=b"stand-in shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
