# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def bundled_areas(django_db_setup, django_db_blocker):
    """All bundled CBS data, loaded once per test session into the test database.

    Loaded outside the per-test transaction, so every ``db`` test sees it; pytest-django runs the
    transactional (browser) tests last, and those load what they need themselves.
    """
    from smaakmaker.areas.bundled import bundled_load

    with django_db_blocker.unblock():
        bundled_load()
