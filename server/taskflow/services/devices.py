"""A short, human name for a device from its User-Agent ("Chrome on Linux", "curl")."""

from __future__ import annotations

import re

_BROWSERS = (
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/")),
    ("Firefox", re.compile(r"Firefox/")),
    ("Chrome", re.compile(r"(Chrome|Chromium|CriOS)/")),
    ("Safari", re.compile(r"Safari/")),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iOS", "iPhone"),
    ("iPadOS", "iPad"),
    ("Windows", "Windows"),
    ("macOS", "Mac OS X"),
    ("ChromeOS", "CrOS"),
    ("Linux", "Linux"),
)


def device_of(user_agent: str) -> str:
    if not user_agent:
        return "unknown device"
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), None)
    system = next((name for name, mark in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return str(browser or system)
    # Scripts: "curl/8.5.0" and "python-httpx/0.27" read well as their first word.
    return user_agent.split("/", 1)[0].split(" ", 1)[0][:40] or "unknown device"
