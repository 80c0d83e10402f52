"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from taskflow.web.state import app_state

router = APIRouter(tags=["operations"])
log = logging.getLogger("taskflow.health")
PROBE_TIMEOUT = 2.0


class Ready(BaseModel):
    status: str
    checked: list[str]


class NotReady(BaseModel):
    detail: str
    failing: list[str]


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"description": "a configured backend does not answer", "model": NotReady}},
)
async def readyz(request: Request) -> JSONResponse:
    probes = app_state(request.app).probes
    names = list(probes)
    results = await asyncio.gather(
        *(asyncio.wait_for(probes[name](), PROBE_TIMEOUT) for name in names),
        return_exceptions=True,
    )
    failing = [
        name
        for name, result in zip(names, results, strict=True)
        if isinstance(result, BaseException)
    ]
    if failing:
        log.warning("not ready: %s", ", ".join(failing))
        return JSONResponse(
            {"detail": f"unavailable: {', '.join(failing)}", "failing": failing}, status_code=503
        )
    return JSONResponse({"status": "ready", "checked": names})


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={
        200: {
            "description": "Prometheus text exposition format 0.0.4",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
