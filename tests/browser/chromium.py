"""Debian's chromium and the flags it runs with here, for the browser tests and for
bench.page_weight (no Django in this module: the benchmark imports it before any setup)."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Headless, as root (no sandbox), and nothing that reaches out to the network on its own:
# these machines have none beyond the live server.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
