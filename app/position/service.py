"""A parent's place in the process: mark a step (with its date), read it, its history."""

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.clock import as_utc
from app.explainers import pathway as paths
from app.explainers.content import Content
from app.forms import N_, FormError
from app.position.models import PathwayPosition

# A date far from today is a typing slip, not a step of this pregnancy.
FURTHEST = timedelta(days=2 * 366)


def mark(
    session: Session, *, content: Content, parent: User, author: User, step: str,
    happened_on: date | None, nation: str, area: str | None, now: datetime,
) -> PathwayPosition:  # fmt: skip
    """Records the step the parent is at (and when it happened); the last mark is kept too."""
    if content.step(step) is None:
        raise FormError({"step": N_("Choose the step you are at from the list.")})
    if happened_on is not None and abs(happened_on - now.date()) > FURTHEST:
        raise FormError(
            {"happened_on": N_("Check the date. It should be within the last two years.")}
        )
    place = paths.resolve_place(content, nation=nation, area=area)
    position = PathwayPosition(
        parent_id=parent.id, step=step, happened_on=happened_on, nation=place.nation.value,
        area=place.area, set_by_id=author.id, set_by_name=author.display_name[:120], at=now,
    )  # fmt: skip
    session.add(position)
    session.commit()
    session.refresh(position)
    return position


def history(session: Session, *, parent: User, limit: int = 50) -> list[PathwayPosition]:
    """The parent's marks, newest first: the first is where they are now."""
    query = (
        select(PathwayPosition)
        .where(PathwayPosition.parent_id == parent.id)
        .order_by(col(PathwayPosition.at).desc(), col(PathwayPosition.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def current(session: Session, *, parent: User) -> PathwayPosition | None:
    """Where the parent is now, if they (or a supporter) have said."""
    found = history(session, parent=parent, limit=1)
    return found[0] if found else None


def place_of(content: Content, position: PathwayPosition | None) -> paths.Place:
    """The England/Wales choice and area the parent gave with their step."""
    if position is None:
        return paths.Place()
    return paths.resolve_place(content, nation=position.nation, area=position.area)


def export(session: Session, *, parent: User) -> list[dict]:
    """Every mark, newest first, for the parent's own download."""
    return [
        {
            "step": position.step,
            "happened_on": position.happened_on.isoformat() if position.happened_on else None,
            "nation": position.nation,
            "area": position.area,
            "marked_by_me": position.set_by_id == parent.id,
            "marked_by": position.set_by_name,
            "marked_at": as_utc(position.at).isoformat(),
        }
        for position in history(session, parent=parent, limit=10_000)
    ]
