"""How Karpear drives Debian's chromium (browser tests and page-weight benchmarks): never a downloaded browser.

Without the background-networking flags chromium keeps trying the network, which this machine refuses.
"""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 780}  # a cheap phone's screen
