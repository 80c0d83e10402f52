"""HTTP and WebSocket routes: they parse, call a service, and translate the result."""
