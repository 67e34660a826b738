"""Fixtures shared by the security tests."""

import pytest
from django.core.cache import cache


@pytest.fixture
def fresh_login_counters():
    """The login lockout and throttles count in the cache: each test starts and ends at zero."""
    cache.clear()
    yield
    cache.clear()
