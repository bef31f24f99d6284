"""End-to-end tests: the pages driven in headless Chromium with Playwright's sync API, served
by pytest-django's live server.

- Debian's chromium (`make system-deps`), never a browser build of Playwright's own: the
  machines reach no download site for one. Without /usr/bin/chromium the tests fail and say
  so, unless deselected with `-m "not browser"`.
- One browser for the whole run (starting it takes about a second); each test gets a new
  context, so no cookie, session or language choice leaks from one test into the next.
- Every page a test opens is watched: a console error (a script's, a stylesheet or image that
  did not load) or an uncaught script error fails the test when it ends.
- Static files: the live server's own handler looks in STATIC_ROOT, which tests never
  collect, and passes what it does not find to the app; whitenoise serves it from the apps'
  folders (WHITENOISE_USE_FINDERS, set with DEBUG, the default outside production).
- BROWSER_SCREENSHOTS=<folder>: screenshots of the key points of each test, for a human.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, expect, sync_playwright

from approvals.demo import DEMO_PASSWORD
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS

# Generous for a loaded 2-core machine; a step that works takes well under a second.
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM}: install it with "
            "`make system-deps` (as root) or `apt-get install chromium`, or leave these "
            'tests out with -m "not browser".',
            pytrace=False,
        )
    # Playwright's sync API keeps an asyncio event loop running in the test thread from here
    # on. Django then takes the thread for async code and refuses every database call made in
    # it (a test's preconditions and checks, the flush of the transactional database, the
    # tests that run after these) with SynchronousOnlyOperation. They are plain synchronous
    # calls between browser steps, never made from inside the loop, so allowing them is safe.
    # The live server answers in threads of its own, which the check never concerned.
    allowed = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if allowed is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = allowed


@pytest.fixture
def page(chromium: Browser, live_server, personas) -> Iterator[Page]:
    """A page in a context of its own on the live server (relative URLs work), the demo
    personas in the database, English as the browser's language."""
    context = chromium.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []

    def watch(opened: Page) -> None:
        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                problems.append(f"console error on {opened.url}: {message.text}")

        def page_error(error: Error) -> None:
            problems.append(f"uncaught error on {opened.url}: {error}")

        opened.on("console", console)
        opened.on("pageerror", page_error)

    # Every page of the context is watched: the first one and any tab a link opens.
    context.on("page", watch)
    page = context.new_page()
    yield page
    context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def log_in(page: Page) -> Callable[[str], None]:
    """Log in as a demo persona through the login page, as whoever was logged in leaves."""

    def log_in_as(persona: str) -> None:
        page.context.clear_cookies()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(persona)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    return log_in_as


@pytest.fixture
def shoot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], None]:
    """shoot(name): a full-page screenshot into $BROWSER_SCREENSHOTS, when it is set."""
    folder = os.environ.get("BROWSER_SCREENSHOTS")
    taken = 0

    def screenshot(name: str) -> None:
        nonlocal taken
        if not folder:
            return
        taken += 1
        page.screenshot(
            path=Path(folder) / f"{request.node.name}-{taken:02d}-{name}.png", full_page=True
        )

    return screenshot
