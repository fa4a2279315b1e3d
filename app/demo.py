"""Demo data for `make run`: never loaded in production. Safe to run again and again."""

from sqlmodel import Session

from app.accounts.models import OrganisationKind, Role
from app.accounts.service import get_or_create_organisation, get_or_create_user
from app.db import make_engine
from app.settings import Settings


def load_demo_data(session: Session) -> None:
    """The demo parent, advocate and voluntary-sector worker, and the charity they work for."""
    charity = get_or_create_organisation(
        session, name="Demo Family Support Charity", kind=OrganisationKind.charity
    )
    get_or_create_user(session, username="demo-parent", display_name="Sam", role=Role.parent)
    get_or_create_user(
        session,
        username="demo-advocate",
        display_name="Alex (advocate)",
        role=Role.supporter,
        organisation=charity,
    )
    get_or_create_user(
        session,
        username="demo-worker",
        display_name="Jo (family support worker)",
        role=Role.supporter,
        organisation=charity,
    )
    session.commit()


def main() -> None:
    engine = make_engine(Settings())
    with Session(engine) as session:
        load_demo_data(session)
    engine.dispose()
    print("Demo data loaded: demo-parent, demo-advocate, demo-worker.")


if __name__ == "__main__":
    main()
