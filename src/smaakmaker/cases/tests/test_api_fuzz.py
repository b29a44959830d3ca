# SPDX-License-Identifier: EUPL-1.2
"""A bounded schemathesis run over the whole API (in-process WSGI): no server errors, no ignored
authentication, responses conform to the committed OpenAPI document. Time-boxed by example count."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import ignored_auth, status_code_conformance

from smaakmaker.conf.wsgi import application

OPENAPI = Path(settings.PROJECT_DIR) / "docs" / "api" / "openapi.json"
schema = schemathesis.openapi.from_path(OPENAPI)
schema.app = application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_api_lockout(settings):
    """The fuzzer sends wrong tokens on purpose (``ignored_auth``); from one address the lock-out would
    answer them with 429 after a while. That lock-out is tested in access/tests/test_api_limits.py."""
    settings.API_LOCKOUT_FAILURES = 0


@pytest.fixture
def token(world):
    from smaakmaker.access.models import Membership
    from smaakmaker.access.services import api_token_create

    user = world.users["regisseur"]
    _token, secret = api_token_create(
        name="fuzz", user=user, organisation=Membership.objects.get(user=user).organisation
    )
    # The WSGI handler would close the test transaction's connection between requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield secret
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case, token):
    checks = [not_a_server_error, ignored_auth]
    if "register" in (case.operation.definition.raw.get("tags") or []):
        checks.append(status_code_conformance)  # other domains' documentation is theirs to keep
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=checks)
