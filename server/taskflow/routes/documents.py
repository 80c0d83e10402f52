"""Machine-readable documents beside `/openapi.json`: the live protocol as AsyncAPI."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from taskflow.realtime.asyncapi import asyncapi_document

router = APIRouter(tags=["documents"])


# Outside the OpenAPI document, as /openapi.json itself is.
@router.get("/asyncapi.json", include_in_schema=False)
async def asyncapi() -> JSONResponse:
    return JSONResponse(asyncapi_document())
