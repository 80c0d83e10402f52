"""Live-board sockets skip the HTTP middleware stack.

A socket lives for hours; under the usual stack its task would keep a dozen suspended
middleware frames alive and resume them at every `await`, and every frame it sends would pass
a wrapper per layer. This outermost middleware hands `/ws/boards/{id}` straight to the
endpoint and everything else to the app.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from taskflow.realtime.endpoint import LiveBoardEndpoint

LIVE_BOARD_PATH = re.compile(r"^/ws/boards/([0-9]{1,18})$")


class LiveBoardDispatch:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.endpoint = LiveBoardEndpoint()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        board_id = live_board_of(scope) if scope["type"] == "websocket" else None
        if board_id is None:
            await self.app(scope, receive, send)
            return
        scope["path_params"] = {"board_id": board_id}
        await self.endpoint(scope, receive, send)


def live_board_of(scope: Scope) -> int | None:
    """The board of a live-board socket's path, or None for any other path."""
    match = LIVE_BOARD_PATH.match(scope["path"])
    return None if match is None else int(match.group(1))
