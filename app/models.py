"""Every table model, imported in one place so Alembic and the tests see the whole schema."""

from sqlmodel import SQLModel

from app.accounts.models import Organisation, User

metadata = SQLModel.metadata

__all__ = ["Organisation", "User", "metadata"]
