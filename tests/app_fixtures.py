"""The browser tests' pytest marks; the servers they start are in :mod:`harness.servers` (shared with the
benchmarks)."""

from __future__ import annotations

import pytest

from harness.servers import CHROMIUM

# Every browser test module's marks: skipped, loudly, only when Debian's Chromium is missing.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"BROWSER TESTS DID NOT RUN: {CHROMIUM} is missing. Install Debian's chromium "
        "(apt-get install -y chromium) to run them; never let Playwright download a browser.",
    ),
]
