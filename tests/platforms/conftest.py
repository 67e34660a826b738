"""Fixtures for adapter tests: a replayed network and a fixed clock; no database needed."""

import pytest
import responses

from smm.platforms.base import AccountContext


@pytest.fixture
def network():
    """Every HTTP call must be answered by a registered response; nothing leaves the machine.

    Unused registrations are not an error: error-path tests register more than they hit.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def rsps():
    """Like ``network``, and strict: every registered response must be asked for."""
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def saved():
    """Collects what an adapter saves through ``save_credentials`` / ``save_state``."""
    return []


@pytest.fixture
def account_context(saved):
    """Builds the ``AccountContext`` an adapter is handed. Credentials it saves land in
    ``saved``, also reachable as ``account.saved``."""

    def build(network: str, remote_id: str = "", **fields) -> AccountContext:
        context = AccountContext(network=network, remote_id=remote_id, save_credentials=saved.append, **fields)
        context.saved = saved
        return context

    return build
