"""Nothing blocking runs on the event loop: a route that is handed a database session
(sync SQLAlchemy) is a plain `def`, which FastAPI runs in a worker thread; a JSON body is
read by the `JsonBody` dependency on the loop instead. (Sync dependencies, the gate among
them, run in threads whatever the route is.)"""

import inspect

from app.deps import get_session
from tests.consent.test_gate import _api_routes


def test_no_async_route_is_handed_a_database_session(app):
    on_the_loop = [
        route.path
        for _, route in _api_routes(app.routes)
        if inspect.iscoroutinefunction(route.endpoint)
        and any(sub.call is get_session for sub in route.dependant.dependencies)
    ]
    assert on_the_loop == []
