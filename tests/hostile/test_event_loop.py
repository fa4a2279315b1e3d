"""Nothing blocking runs on the event loop: a route that uses the database (sync
SQLAlchemy) is a plain `def`, which FastAPI runs in a worker thread; a JSON body is read
by the `JsonBody` dependency on the loop instead."""

import inspect

from app.deps import get_session
from tests.consent.test_gate import _api_routes, _calls


def test_no_async_route_touches_the_database(app):
    on_the_loop = [
        route.path
        for _, route in _api_routes(app.routes)
        if inspect.iscoroutinefunction(route.endpoint) and get_session in set(_calls(route))
    ]
    assert on_the_loop == []
