# SPDX-License-Identifier: EUPL-1.2
"""A user's computed access is kept per process only while nothing that decides access changed.

The policy version is renewed by database triggers, so every way of changing access counts: the ORM,
``QuerySet.update``, many-to-many changes and raw SQL.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from smaakmaker.access.models import Covenant, CovenantStatus, Membership, PolicyVersion
from smaakmaker.access.policies import policy_snapshot, policy_version
from smaakmaker.cases.models import Signal
from smaakmaker.common.snapshots import SnapshotCache

pytestmark = pytest.mark.django_db


def _fresh(username: str):
    """A new user object, as each request gets one."""
    return get_user_model().objects.get(username=username)


def _visible_signals(username: str) -> set[int]:
    return set(Signal.objects.visible_to(_fresh(username)).values_list("pk", flat=True))


@pytest.fixture(autouse=True)
def _version_row():
    # A transactional test elsewhere may have emptied the table; the migration's row is what counts.
    PolicyVersion.objects.get_or_create(pk=1)


def test_snapshot_is_kept_while_the_policy_version_is_unchanged(world):
    first = policy_snapshot(_fresh("regisseur"))
    assert first.grants
    user = _fresh("regisseur")
    with CaptureQueriesContext(connection) as queries:
        again = policy_snapshot(user)
        assert user.has_perm("cases.view_signal")
    assert again is first
    assert len(queries) == 1  # only the version


def test_covenant_ended_by_queryset_update_hides_everything_at_once(world):
    assert _visible_signals("regisseur")
    version = policy_version()
    Covenant.objects.update(status=CovenantStatus.ENDED)  # no model signals: the trigger still fires
    assert policy_version() != version
    assert _visible_signals("regisseur") == set()


def test_membership_ended_by_raw_sql_hides_everything(world):
    assert _visible_signals("wijkagent")
    user = _fresh("wijkagent")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE access_membership SET valid_until = %s WHERE user_id = %s", [timezone.now(), user.pk]
        )
    assert not Membership.objects.active().filter(user=user).exists()
    assert _visible_signals("wijkagent") == set()


def test_role_taken_away_removes_the_permission_and_the_grants(world):
    user = _fresh("regisseur")
    assert user.has_perm("cases.view_signal") and policy_snapshot(user).grants
    groups = list(user.groups.all())
    user.groups.clear()
    fresh = _fresh("regisseur")
    assert policy_snapshot(fresh).grants == ()
    assert not fresh.has_perm("cases.view_signal")
    assert _visible_signals("regisseur") == set()
    user.groups.set(groups)
    assert _visible_signals("regisseur")


def test_without_the_version_row_nothing_is_kept(world):
    PolicyVersion.objects.all().delete()
    assert policy_version() is None
    first = policy_snapshot(_fresh("regisseur"))
    assert policy_snapshot(_fresh("regisseur")) is not first
    assert first.grants


def test_snapshot_cache_bounds_size_and_age():
    now = [0.0]
    cache = SnapshotCache(max_entries=2, seconds=60, clock=lambda: now[0])
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    now[0] = 61
    assert cache.get("a") is None


def test_group_permission_removed_is_seen(world):
    user = _fresh("regisseur")
    assert user.has_perm("cases.view_signal")
    for group in Group.objects.filter(user=user):
        group.permissions.remove(*group.permissions.filter(codename="view_signal"))
    fresh = _fresh("regisseur")
    policy_snapshot(fresh)
    assert not fresh.has_perm("cases.view_signal")
    assert _visible_signals("regisseur") == set()
