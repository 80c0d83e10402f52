"""The web layer: FastAPI adapters between HTTP and the services (errors, idempotency, cookies)."""
