"""The client under Nginx's Content-Security-Policy: it runs whole, and the policy is enforced.

Every browser test fails on any CSP refusal (see conftest's `web`); this one shows the refusal
watch works, and that what the client styles from a script (avatar colours) still paints.
"""

from __future__ import annotations

import colorsys
import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import MakeAccount
from tests.browser.web import Web
from tests.support.live import new_board

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def avatar_colour(user_id: int) -> tuple[int, int, int]:
    """client/avatar.js colourFor(): hsl(hue 55% 30%) in RGB."""
    hue = round((user_id * 137.508) % 360) / 360
    red, green, blue = colorsys.hls_to_rgb(hue, 0.30, 0.55)
    return round(red * 255), round(green * 255), round(blue * 255)


async def test_the_client_runs_under_its_policy_and_the_policy_refuses_inline_code(
    web: Web, account: MakeAccount
) -> None:
    owner = await account("csp")
    board = await new_board(web.http, owner, "Policy")
    context = await web.signed_in(owner)
    page = await context.new_page()
    response = await page.goto(f"/#/boards/{board['id']}")
    assert response is not None
    policy = await response.header_value("content-security-policy")
    assert policy and "script-src 'self';" in policy and "frame-ancestors 'none'" in policy

    # Live socket up (connect-src), styles applied (style-src), avatar coloured from a script.
    await expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")
    chip = page.get_by_test_id("current-user").locator(".avatar")
    await expect(chip).to_be_visible()
    painted = await chip.evaluate("(el) => getComputedStyle(el).backgroundColor")
    channels = [int(part) for part in re.findall(r"\d+", painted)[:3]]
    expected = avatar_colour(owner.id)
    assert all(abs(a - b) <= 1 for a, b in zip(channels, expected, strict=True)), painted
    assert not web.csp_violations, web.csp_violations

    # What an injected script or style attribute would do is refused, and the watch sees it.
    await page.evaluate(
        """() => {
          document.body.setAttribute('style', 'outline: 3px solid red');
          const script = document.createElement('script');
          script.textContent = 'window.injected = true';
          document.body.append(script);
        }"""
    )
    await expect(page.locator("body")).not_to_have_css("outline-style", "solid")
    assert await page.evaluate("() => window.injected === undefined")
    await page.wait_for_function("() => true")  # let the console messages arrive
    refused = " ".join(web.csp_violations)
    assert "style-src" in refused and "script-src" in refused, web.csp_violations
    web.csp_violations.clear()  # ours, on purpose
