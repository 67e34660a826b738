"""Fixtures for adapter tests: a replayed network and a fixed clock; no database needed."""

import sys
from pathlib import Path

import pytest
import responses

# Without a package __init__ or pytest-django's manage.py lookup, pytest puts only this
# folder on sys.path; the adapters must be importable with `-p no:django` as well.
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)


@pytest.fixture
def network():
    """Every HTTP call must be answered by a registered response; nothing leaves the machine.

    Unused registrations are not an error: error-path tests register more than they hit.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def saved():
    """Collects what an adapter saves through ``save_credentials`` / ``save_state``."""
    return []
