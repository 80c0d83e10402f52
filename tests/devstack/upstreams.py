"""A trivial upstream for proxy tests: answers HTTP with JSON about the request, and WebSockets."""

from __future__ import annotations

import json
import threading

from devstack.ports import LOOPBACK, free_port
from devstack.process import Lifecycle
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve


class EchoUpstream(Lifecycle):
    """HTTP: 200 with {"upstream", "path", "headers"}. WebSocket: sends the same, then echoes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = free_port()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def _describe(self, request: Request) -> str:
        headers = {key.lower(): value for key, value in request.headers.raw_items()}
        return json.dumps({"upstream": self.name, "path": request.path, "headers": headers})

    def _plain_http(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        return connection.respond(200, self._describe(request))

    def _websocket(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        connection.send(self._describe(connection.request))
        for message in connection:
            connection.send(message)

    def start(self) -> None:
        self._server = serve(self._websocket, LOOPBACK, self.port, process_request=self._plain_http)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
