"""Key-task fixtures: the sample registry with demo accounts, and a user of a district department."""

from __future__ import annotations

import pytest
from tasks_helpers import add_department_user

from kechuang.services.sample import load_demo_accounts, load_sample


@pytest.fixture
def registry(uow, fast_passwords):
    """The sample registry and demo accounts, plus a Haidian district user; returns the unit of work."""
    load_sample(uow)
    load_demo_accounts(uow)
    add_department_user(uow)
    return uow
