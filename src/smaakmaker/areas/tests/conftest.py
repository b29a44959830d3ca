# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

import pytest


@pytest.fixture(scope="package")
def bundled_areas(django_db_setup, django_db_blocker):
    """All bundled CBS data, loaded once for the areas tests and removed again after them.

    Loaded outside the per-test transaction, so every ``db`` test here sees it; removed when the areas
    tests are done, so the tests of other domains start from an empty areas table as they expect.
    (pytest-django runs transactional tests last; the areas browser test loads what it needs itself.)
    """
    from smaakmaker.areas.bundled import bundled_load
    from smaakmaker.areas.tests.support import remove_all_area_data

    with django_db_blocker.unblock():
        bundled_load()
    yield
    with django_db_blocker.unblock():
        remove_all_area_data()
