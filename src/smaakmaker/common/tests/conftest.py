# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

import shutil

import pytest

from .instances import Instance, copy_database


@pytest.fixture(scope="session")
def seed_instance(tmp_path_factory) -> Instance:
    """One migrated instance with the demo loaded (built once per test session, then copied)."""
    seed = Instance(tmp_path_factory.mktemp("seed-instance"))
    seed.command("migrate", "--no-input", "-v", "0")
    seed.command("demo")
    return seed


@pytest.fixture
def instance(seed_instance, tmp_path):
    """A fresh copy of the seed instance; every process it started is stopped afterwards."""
    copy = Instance(tmp_path / "instance")
    copy_database(seed_instance.database, copy.database)
    shutil.copy(seed_instance.var_dir / "secret_key", copy.var_dir / "secret_key")
    yield copy
    copy.stop_all()
