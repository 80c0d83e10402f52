"""Business rules, independent of HTTP and WebSocket: every change goes through here."""
