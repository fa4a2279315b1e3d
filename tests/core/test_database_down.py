"""A database that is briefly away gives a friendly 503, never a traceback, and the app
recovers by itself when it is back."""

from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import select

from app.accounts.models import User
from app.deps import LocaleDep, PagesDep, SessionDep
from app.main import create_app
from tests.conftest import (
    TEST_POSTGRES_URL,
    TemporaryPostgres,
    migrate,
    require_postgres,
    settings_for,
)
from tests.pages import check_page
from tests.tcp_proxy import TcpProxy


def add_database_page(app) -> None:
    """A page that reads the database, standing in for the calendar and others to come."""

    @app.get("/{locale}/__people")
    def people(request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep):
        session.exec(select(User)).all()
        return pages.render(request, "home/index.html")


def assert_unavailable(client: TestClient, locale: str = "en") -> None:
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "database": False}
    page = client.get(f"/{locale}/__people")
    assert page.status_code == 503
    assert page.headers["retry-after"] == "30"
    assert "Traceback" not in page.text
    soup = check_page(page.text)
    assert soup.html["lang"] == locale
    return soup


def assert_available(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/en/__people").status_code == 200


def test_postgres_going_away_and_coming_back(tmp_path):
    require_postgres()
    with TemporaryPostgres() as direct_url:
        upstream = make_url(TEST_POSTGRES_URL)
        proxy = TcpProxy(upstream.host or "127.0.0.1", upstream.port or 5432).start()
        url = make_url(direct_url).set(port=proxy.port).render_as_string(False)
        app = create_app(settings_for(url, tmp_path))
        add_database_page(app)
        migrate(app.state.engine)
        with TestClient(app, raise_server_exceptions=False) as client:
            assert_available(client)  # a pooled connection now exists

            proxy.stop()
            soup = assert_unavailable(client, "cy")
            assert soup.h1.get_text(strip=True) == "Dydy’r dudalen hon ddim ar gael ar hyn o bryd"
            assert_unavailable(client)

            proxy.start()  # same port: the database is back
            assert_available(client)
        proxy.stop()
        app.state.engine.dispose()


def test_sqlite_file_unreachable_then_back(tmp_path):
    missing_folder = tmp_path / "not-yet"
    url = f"sqlite:///{missing_folder / 'next_steps.db'}"
    app = create_app(settings_for(url, tmp_path))
    add_database_page(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        soup = assert_unavailable(client)
        assert soup.h1.get_text(strip=True) == "This page is not available just now"

        missing_folder.mkdir()
        migrate(app.state.engine)
        assert_available(client)
    app.state.engine.dispose()


def test_a_query_error_is_a_500_not_a_503(app, client):
    from sqlalchemy import text

    @app.get("/{locale}/__bad-query")
    def bad(loc: LocaleDep, session: SessionDep):
        session.exec(text("SELECT * FROM no_such_table"))

    response = client.get("/en/__bad-query")
    assert response.status_code in {500, 503}
    # A missing table is a programming error on PostgreSQL (500); SQLite reports it as an
    # OperationalError, which we cannot tell apart from an unreachable file.
    if client.http.app.state.engine.dialect.name == "postgresql":
        assert response.status_code == 500
