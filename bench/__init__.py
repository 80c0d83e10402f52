"""Fan-out benchmark: TaskFlow's live boards against a raw-websockets ceiling, side by side.

Run with `python -m bench` (all scenarios), `python -m bench S1 S3`, or `--quick` for a smoke run.
"""
