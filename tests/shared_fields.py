"""FastAPI's analysis of each route made once per test process, not once per app.

FastAPI (0.165) works out each included route's parameters lazily, per app: the first
request to a new app builds a pydantic TypeAdapter for every parameter of every route in
the routers it passes on the way (about 0.2 s for a calendar page), and the suite makes
a new app for almost every test. The fields are the same each time, so here they are
built once per process and shared, with each route's dependant and body field. Only the
tests do this: the app makes its routes once per process anyway.

Two parameters share a field only when everything the field is made of is equal: name,
type, default, alias, and every attribute of the FieldInfo (its constraints, and FastAPI's
own, such as a form's media type), each compared with its type. A FieldInfo's repr is not
enough: `Form(max_length=20)` and `Form()` print alike, and sharing them once made a
sign-in's long `next` fail the 20 characters of the walk-through's.

And while an app has a dependency override (every test's app has one: its database
session), FastAPI analyses each dependency of a route again on every request; the app's
own are analysed once here, and the overrides are still looked up per app.
"""

import inspect
from contextvars import ContextVar

import fastapi.dependencies.utils
import fastapi.routing
from fastapi.datastructures import DefaultPlaceholder
from pydantic.fields import FieldInfo

_made: dict[tuple, object] = {}
_build = fastapi.dependencies.utils.create_model_field
_given = inspect.signature(_build)  # its own defaults (`default` is Undefined, not None)
_PLAIN = frozenset({str, int, float, bool, type(None)})
_slots: dict[type, tuple[str, ...]] = {}


def frozen(value):
    """`value` as a hashable key that equals another only for an equal value of the same
    type (so 1, 1.0 and True stay apart); TypeError when it cannot be one."""
    kind = type(value)
    if kind in _PLAIN:
        return (kind, value)
    if isinstance(value, (list, tuple)):
        return (kind, tuple(frozen(item) for item in value))
    if isinstance(value, dict):
        return (dict, tuple(sorted((key, frozen(item)) for key, item in value.items())))
    if isinstance(value, (set, frozenset)):
        return (kind, frozenset(frozen(item) for item in value))
    if isinstance(value, FieldInfo):
        return field_key(value)
    if isinstance(value, DefaultPlaceholder):  # FastAPI's "not given", unhashable
        return (DefaultPlaceholder, frozen(value.value))
    hash(value)
    return (kind, value)


def slots_of(kind: type) -> tuple[str, ...]:
    """Every attribute slot of a FieldInfo class, each once."""
    if kind not in _slots:
        named = (name for base in kind.__mro__ for name in vars(base).get("__slots__", ()))
        _slots[kind] = tuple(dict.fromkeys(named))
    return _slots[kind]


def field_key(info: FieldInfo) -> tuple:
    return (
        type(info),
        tuple((name, frozen(getattr(info, name, None))) for name in slots_of(type(info))),
        frozen(dict(getattr(info, "__dict__", {}))),
    )


def _shared(*args, **kwargs):
    given = _given.bind(*args, **kwargs)
    given.apply_defaults()
    try:
        key = tuple(frozen(value) for value in given.arguments.values())
    except TypeError:  # a part that cannot be compared: built afresh, as FastAPI does
        return _build(*args, **kwargs)
    field = _made.get(key)
    if field is None:
        field = _made[key] = _build(*args, **kwargs)
    return field


_dependants: dict[tuple, tuple] = {}
_build_dependant = fastapi.routing._build_dependant_with_parameterless_dependencies
_bodies: dict[tuple, object] = {}
_build_body = fastapi.routing._get_body_field


def _shared_dependant(*, path, call, dependencies):
    """A route's analysis, shared by every app that includes it at the same path: it is
    made from the path, the function and its dependencies alone (the app's overrides are
    looked up per request, through the app), and the routers are made once per process."""
    try:
        key = (path, _Same(call), tuple(dependencies))
        hash(key)
    except TypeError:
        return _build_dependant(path=path, call=call, dependencies=dependencies)
    if key not in _dependants:
        _dependants[key] = _build_dependant(path=path, call=call, dependencies=dependencies)
    return _dependants[key]


def _shared_body(*, body_params, name, embed_body_fields):
    """The body field of a route whose shared analysis gave these very parameters."""
    key = (tuple(id(param) for param in body_params), name, embed_body_fields)
    if key not in _bodies:
        # The parameters are kept with the field, so no id is reused while the key lives.
        field = _build_body(body_params=body_params, name=name, embed_body_fields=embed_body_fields)
        _bodies[key] = (field, body_params)
    return _bodies[key][0]


class _Same:
    """Compares a function by identity (a callable instance's own __eq__ is not asked)."""

    __slots__ = ("call",)

    def __init__(self, call) -> None:
        self.call = call

    def __hash__(self) -> int:
        return id(self.call)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Same) and other.call is self.call


_get_dependant = fastapi.dependencies.utils.get_dependant
_dependant_given = inspect.signature(_get_dependant)
_solve = fastapi.dependencies.utils.solve_dependencies
_solving = ContextVar("solving", default=False)
_sub_dependants: dict[tuple, object] = {}


async def _solve_dependencies(**kwargs):
    """FastAPI's own, marked as solving: see `_shared_sub_dependant`."""
    token = _solving.set(True)
    try:
        return await _solve(**kwargs)
    finally:
        _solving.reset(token)


def _lasting(call) -> bool:
    """A dependency of the app's own, made once when its module is imported (not a test's
    override, made afresh for each test and not to be kept alive by a cache)."""
    made_by = call if inspect.isroutine(call) else type(call)
    module = getattr(made_by, "__module__", None) or ""
    return module.startswith("app.") and "<locals>" not in made_by.__qualname__


def _shared_sub_dependant(**kwargs):
    """While an app has any dependency override, FastAPI analyses every dependency of the
    route again on every request (to apply the overrides it finds, whichever they are):
    half the time of a test's request. The analysis is made from these arguments alone,
    so for the app's own dependencies it is made once. Only while solving: at route set-up
    FastAPI changes the dependant it gets back."""
    given = _dependant_given.bind(**kwargs)
    given.apply_defaults()
    call = given.arguments["call"]
    if not _solving.get() or not _lasting(call):
        return _get_dependant(**kwargs)
    try:
        key = tuple(
            _Same(value) if name == "call" else frozen(value)
            for name, value in given.arguments.items()
        )
    except TypeError:  # a part that cannot be compared: analysed afresh, as FastAPI does
        return _get_dependant(**kwargs)
    if key not in _sub_dependants:
        _sub_dependants[key] = _get_dependant(**kwargs)
    return _sub_dependants[key]


def share() -> None:
    fastapi.dependencies.utils.get_dependant = _shared_sub_dependant
    fastapi.dependencies.utils.solve_dependencies = _solve_dependencies
    fastapi.routing.solve_dependencies = _solve_dependencies
    fastapi.dependencies.utils.create_model_field = _shared
    fastapi.routing.create_model_field = _shared
    fastapi.routing._build_dependant_with_parameterless_dependencies = _shared_dependant
    fastapi.routing._get_body_field = _shared_body
