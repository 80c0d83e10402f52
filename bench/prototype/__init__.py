"""A measured sketch of the fan-out proposal, for `python -m bench --taskflow prototype`.

Not the server: it patches TaskFlow's live-board classes at start-up so the proposal in
docs/PERFORMANCE.md ("write now, queue only when behind") can be measured before anyone
changes `server/`. The real change belongs in taskflow.realtime and taskflow.cli.
"""
