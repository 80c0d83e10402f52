"""Device names in the session list, from real User-Agent strings."""

from __future__ import annotations

import pytest

from taskflow.services.devices import device_of

CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87"
)
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0"


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (CHROME_LINUX, "Chrome on Linux"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (FIREFOX_MAC, "Firefox on macOS"),
        ("curl/8.5.0", "curl"),
        ("python-httpx/0.27.0", "python-httpx"),
        ("", "unknown device"),
    ],
)
def test_device_of(user_agent: str, device: str) -> None:
    assert device_of(user_agent) == device
