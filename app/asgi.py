"""The ASGI application that servers run: `uvicorn app.asgi:app`, or gunicorn with
uvicorn workers (deploy/gunicorn.conf.py). Logging is set up here, for the process, from
LOG_FORMAT and LOG_LEVEL; `create_app()` alone (as the tests use it) leaves logging be."""

from app import logs
from app.main import create_app
from app.settings import Settings

settings = Settings()
logs.configure(settings.log_format, settings.log_level)
app = create_app(settings)
