"""Structured logs: one JSON object a line with the request id, which the response carries
too; a proxy's id believed only from TRUSTED_PROXIES; routes named by their template, never
the address asked for; exceptions by type and place, never their message."""

import json
import logging

import pytest
from fastapi.testclient import TestClient

from app import logs
from app.deps import get_session
from app.main import create_app
from tests import factories


@pytest.fixture
def lines():
    """Every log record of the app while the test runs, formatted as JSON."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            if not record.name.startswith("httpx2"):  # the test client's own lines
                records.append(json.loads(logs.JsonFormatter().format(record)))

    handler = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    yield records
    root.removeHandler(handler)
    root.setLevel(old_level)


def app_from(settings, engine, db, client_address: str, **overrides):
    app = create_app(settings.model_copy(update=overrides), engine=engine)
    app.dependency_overrides[get_session] = lambda: db
    return TestClient(app, client=(client_address, 40000))


def access(lines) -> list[dict]:
    return [line for line in lines if line["logger"] == "next_steps.access"]


def test_a_request_id_is_made_sent_back_and_on_every_line(settings, engine, db, lines):
    with app_from(settings, engine, db, "203.0.113.9") as client:
        response = client.get("/en/", headers={"X-Request-ID": "forged-by-a-visitor"})
    rid = response.headers["x-request-id"]
    assert len(rid) == 32 and rid != "forged-by-a-visitor", "a visitor's id is not believed"
    (line,) = access(lines)
    assert line["request_id"] == rid
    assert (line["method"], line["route"], line["status"]) == ("GET", "/{locale}/", 200)
    assert isinstance(line["ms"], float)


def test_the_proxys_request_id_is_kept_only_from_a_trusted_proxy(settings, engine, db, lines):
    nginx_id = "0123456789abcdef0123456789abcdef"
    with app_from(settings, engine, db, "127.0.0.1", trusted_proxies="127.0.0.1") as client:
        assert (
            client.get("/healthz", headers={"X-Request-ID": nginx_id}).headers["x-request-id"]
            == nginx_id
        )
        # Even a trusted proxy's id must look like one: never a line of someone's text.
        odd = client.get("/healthz", headers={"X-Request-ID": "Sam Smith's phone"})
        assert odd.headers["x-request-id"] != "Sam Smith's phone"


def test_access_lines_name_the_route_not_the_address(settings, engine, db, lines):
    parent = factories.user(db)
    with app_from(settings, engine, db, "203.0.113.9") as client:
        client.get("/calendar/SECRETTOKENSECRETTOKEN.ics")
        client.get("/en/search?q=care+proceedings+for+Sam")
        client.get("/en/explainers/")  # answered by the app, then kept and prepared
        client.get("/en/explainers/")  # answered from the prepared bytes
        client.get("/no/such/place/SECRET")
        client.get("/static/css/nothing-SECRET.css")
    text = json.dumps(lines)
    assert "SECRET" not in text and "Sam" not in text and "care" not in text
    assert [line["route"] for line in access(lines)] == [
        "/calendar/{token}.ics",
        "/{locale}/search",
        "/{locale}/explainers/",
        "/{locale}/explainers/",
        "-",
        "/static/…",
    ]
    assert parent.id  # the parent exists, so the token's miss is a plain 404


def test_an_exception_is_logged_by_type_and_place_without_its_message(lines):
    log = logging.getLogger("next_steps.test")
    try:
        raise ValueError("Sam Smith, 12 Acacia Avenue")
    except ValueError:
        log.exception("could not save")
    (line,) = [line for line in lines if line["logger"] == "next_steps.test"]
    assert line["message"] == "could not save" and line["exception"] == "ValueError"
    assert "Acacia" not in json.dumps(line)
    assert any("test_logs.py" in frame for frame in line["stack"])


def test_configure_turns_server_access_logs_off_and_http_clients_quiet():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure("json", "INFO")
        assert logging.getLogger("uvicorn.access").disabled
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
        assert isinstance(root.handlers[0].formatter, logs.JsonFormatter)
    finally:
        root.handlers, root.level = saved
        logging.getLogger("uvicorn.access").disabled = False
