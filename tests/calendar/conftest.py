"""What the calendar's route tests share: a fixed clock, a parent, and that parent signed in."""

import pytest

from tests import factories
from tests.factories import sign_in_as


@pytest.fixture
def now(app):
    clock = factories.Clock()
    app.state.clock = clock
    return clock.now


@pytest.fixture
def parent(db):
    return factories.user(db)


@pytest.fixture
def signed_in(client, db, parent, now):
    sign_in_as(client, db, parent)
    return client
