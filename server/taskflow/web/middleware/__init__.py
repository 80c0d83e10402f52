"""ASGI middleware around the whole app: request body cap, access log."""
