"""One FastAPI field per parameter per test process, not one per app.

FastAPI (0.165) works out each included route's parameters lazily, per app: the first
request to a new app builds a pydantic TypeAdapter for every parameter of every route in
the routers it passes on the way (about 0.2 s for a calendar page), and the suite makes
a new app for almost every test. The fields are the same each time (same name, type,
default and constraints), so here they are built once per process and shared. Only the
tests do this: the app makes its routes once per process anyway.
"""

import inspect

import fastapi.dependencies.utils
import fastapi.routing

_made: dict[tuple, object] = {}
_build = fastapi.dependencies.utils.create_model_field
_signature = inspect.signature(_build)


def _shared(*args, **kwargs):
    given = _signature.bind(*args, **kwargs)
    given.apply_defaults()
    a = given.arguments
    # What the field is made of, in full: the same key means the same validation.
    key = tuple((name, type(value), repr(value)) for name, value in a.items())
    field = _made.get(key)
    if field is None:
        field = _made[key] = _build(*args, **kwargs)
    return field


def share() -> None:
    fastapi.dependencies.utils.create_model_field = _shared
    fastapi.routing.create_model_field = _shared
