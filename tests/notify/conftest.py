import pytest

from tests.notify.push_service import PushService


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()
