"""Live-board sockets skip the HTTP middleware stack.

A socket lives for hours; under the usual stack its task would keep a dozen suspended
middleware frames alive and resume them at every `await`, and every frame it sends would pass
a wrapper per layer. `LiveBoardRoute`, published in the lifespan state, lets `FanoutProtocol`
hand `/ws/boards/{id}` to the endpoint ahead of every middleware and of the app itself;
`LiveBoardDispatch`, the outermost middleware, does the same under any other server.
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


class LiveBoardRoute:
    """The endpoint of a live-board socket's scope (None for any other), with the scope
    completed as the app would have: `app` and `path_params`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.endpoint = LiveBoardEndpoint()

    def __call__(self, scope: Scope) -> ASGIApp | None:
        board_id = live_board_of(scope)
        if board_id is None:
            return None
        scope["app"] = self.app
        scope["path_params"] = {"board_id": board_id}
        return self.endpoint


def live_board_of(scope: Scope) -> int | None:
    """The board of a live-board socket's path, or None for any other path."""
    match = LIVE_BOARD_PATH.match(scope["path"])
    return None if match is None else int(match.group(1))
