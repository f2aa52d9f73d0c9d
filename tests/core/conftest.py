import pytest

from core import events
from tests import consumers


@pytest.fixture
def recorder():
    """The test consumer, registered for this test only."""
    consumers.register()
    yield consumers
    events.unregister(consumers.NAME)
