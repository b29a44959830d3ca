# SPDX-License-Identifier: EUPL-1.2
"""Shared test fixtures: demo users, signed-in clients, and a real Chromium for browser tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

try:  # the test tools are installed by scripts/test; pure imports of this file need not have them
    from hypothesis import settings as hypothesis_settings
except ImportError:  # pragma: no cover
    hypothesis_settings = None

if hypothesis_settings is not None:
    # Property tests are reproducible: the same examples on every machine and run (seeded from each
    # test), no example database replaying what another run found. HYPOTHESIS_PROFILE=explore searches
    # with fresh random examples; pin whatever it finds with @example.
    hypothesis_settings.register_profile("reproducible", derandomize=True, database=None, print_blob=True)
    hypothesis_settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
    hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))

CHROMIUM = os.environ.get("SMAAKMAKER_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(__file__).parent / "tests" / "vendor" / "axe-core" / "axe.min.js"
BROWSER_REQUIRED = os.environ.get("CI", "").lower() in {"1", "true", "yes"} or os.environ.get(
    "SMAAKMAKER_REQUIRE_BROWSER", ""
).lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(request):
    """Cheap password hashing in tests (pure-computation tests may run without pytest-django)."""
    if not request.config.pluginmanager.hasplugin("django"):
        return
    request.getfixturevalue("settings").PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_inline(request):
    """Background tasks run inline in tests (django-tasks' ImmediateBackend); the fault tests run a
    real ``smaakmaker worker`` process against a database of their own."""
    if not request.config.pluginmanager.hasplugin("django"):
        return
    request.getfixturevalue("settings").TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }


@pytest.fixture
def demo_users(db):
    """The demo organisations and one user per role; returns {username: user}."""
    from django.contrib.auth import get_user_model

    from smaakmaker.access.demo import demo_load

    demo_load()
    return {user.username: user for user in get_user_model().objects.all()}


@pytest.fixture
def signed_in(client, demo_users):
    """A function that signs the test client in as a demo user by user name."""

    def _sign_in(username: str):
        client.force_login(demo_users[username])
        return client

    return _sign_in


# --- Browser tests -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}: install Debian's package 'chromium'."
        if BROWSER_REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    tab = context.new_page()
    tab.set_default_timeout(30_000)  # generous: CI machines are shared and slow at times
    yield tab
    context.close()


@pytest.fixture
def axe():
    """Run axe-core (vendored) in the page; returns the WCAG 2.1 A/AA violations."""
    source = AXE_JS.read_text()

    def _run(tab) -> list[dict]:
        tab.evaluate(source)  # evaluated through DevTools, so the page's CSP stays untouched
        result = tab.evaluate(
            """async () => {
                // resultTypes: only the violations are read, so axe skips the details of what passed
                const r = await axe.run(document, {runOnly: {type: 'tag',
                    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' '))}));
            }"""
        )
        return result

    return _run
