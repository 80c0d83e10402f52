"""What `/api/...` answers when no route takes the request: never the static client behind it.

Without this, the client's mount at `/` answers for every path the API routes did not take in
full, so an unknown API path got the client's 404 page and a wrong method its `Allow: GET, HEAD`.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Receive, Scope, Send

API_PREFIX = "/api"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class ApiFallback:
    """404 for a path no API route has; for one it has, 204 to OPTIONS and 405 to other methods,
    both with `Allow` listing the methods its routes really take."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.routes = routes

    def allowed(self, scope: Scope) -> list[str]:
        # Each method is tried on every route: included routers answer `matches` like a route.
        return [
            method
            for method in METHODS
            if any(
                route.matches({**scope, "method": method})[0] == Match.FULL
                for route in self.routes
                if not isinstance(route, Mount)
            )
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Mounted at /api: the routes are asked about the path with the application's root.
        whole = {**scope, "root_path": scope.get("app_root_path", "")}
        methods = self.allowed(whole)
        response: Response
        if not methods:
            response = JSONResponse({"detail": "no such API path"}, status_code=404)
        else:
            allow = ", ".join([*methods, "OPTIONS"])
            if scope["method"] == "OPTIONS":
                response = Response(status_code=204, headers={"Allow": allow})
            else:
                response = JSONResponse(
                    {"detail": f"method {scope['method']} not allowed here"},
                    status_code=405,
                    headers={"Allow": allow},
                )
        await response(scope, receive, send)


def install_api_fallback(app: FastAPI) -> None:
    """Mount after the API routes and before the client, so it takes only what they leave."""
    app.mount(API_PREFIX, ApiFallback(app.router.routes), name="api-fallback")
