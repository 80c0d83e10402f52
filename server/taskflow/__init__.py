"""TaskFlow: real-time collaborative task boards."""

__version__ = "0.1.0"
