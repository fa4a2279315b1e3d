"""The birth plan: sections written at the parent's pace, every version kept, supporters'
suggestions the parent accepts or rejects, and read-only links for professionals."""

import datetime as dt
import json
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.accounts.secrets import token_hash
from app.birth_plan.models import (
    BirthPlan,
    BirthPlanChange,
    BirthPlanSection,
    BirthPlanShare,
    BirthPlanShareOpen,
    ChangeStatus,
)
from app.birth_plan.sections import BY_KEY, SECTIONS, Section
from app.clock import as_utc
from app.db import end_read
from app.forms import N_, FormError, Message

MAX_TEXT = 4000
MAX_NAME = 120


class NotFound(Exception):
    """No such section, suggestion or link for this parent."""


class ShareRevoked(Exception):
    """The parent has stopped sharing through this link."""


@dataclass(frozen=True)
class SectionView:
    section: Section
    content: dict
    updated_at: dt.datetime | None

    @property
    def written(self) -> bool:
        return any(self.content.values())


@dataclass(frozen=True)
class PlanView:
    plan: BirthPlan | None
    sections: list[SectionView]
    pending: int

    @property
    def ready_at(self) -> dt.datetime | None:
        return self.plan.ready_at if self.plan else None


@dataclass(frozen=True)
class ShareView:
    share: BirthPlanShare
    opens: list[dt.datetime]


@dataclass(frozen=True)
class ChangeView:
    change: BirthPlanChange
    section: Section
    before: dict
    after: dict


def empty(section: Section) -> dict:
    """A section with nothing written yet."""
    fields = {"text": ""}
    if section.agreement:
        fields |= {"agreed_by": "", "agreed_on": ""}
    return fields


def _plan(session: Session, *, parent: User) -> BirthPlan | None:
    return session.exec(select(BirthPlan).where(BirthPlan.parent_id == parent.id)).first()


def _plan_or_new(session: Session, *, parent: User, now: dt.datetime) -> BirthPlan:
    plan = _plan(session, parent=parent)
    if plan is None:
        plan = BirthPlan(parent_id=parent.id, created_at=now, updated_at=now)
        session.add(plan)
        session.flush()
    return plan


def _rows(session: Session, plan: BirthPlan | None) -> dict[str, BirthPlanSection]:
    if plan is None:
        return {}
    rows = session.exec(select(BirthPlanSection).where(BirthPlanSection.plan_id == plan.id))
    return {row.section: row for row in rows}


def _content(section: Section, row: BirthPlanSection | None) -> dict:
    return empty(section) | (json.loads(row.content) if row else {})


def section_of(key: str) -> Section:
    """The section with this key, or NotFound."""
    try:
        return BY_KEY[key]
    except KeyError as missing:
        raise NotFound(key) from missing


def plan_view(session: Session, *, parent: User) -> PlanView:
    """Every section in order with what it says now, and how many suggestions wait."""
    plan = _plan(session, parent=parent)
    rows = _rows(session, plan)
    pending = 0
    if plan is not None:
        pending = len(
            session.exec(
                select(BirthPlanChange.id).where(
                    BirthPlanChange.plan_id == plan.id,
                    BirthPlanChange.status == ChangeStatus.pending,
                )
            ).all()
        )
    views = [
        SectionView(
            s, _content(s, rows.get(s.key)), rows[s.key].updated_at if s.key in rows else None
        )
        for s in SECTIONS
    ]
    return PlanView(plan=plan, sections=views, pending=pending)


def section_view(session: Session, *, parent: User, key: str) -> SectionView:
    """One section and what it says now."""
    section = section_of(key)
    row = _rows(session, _plan(session, parent=parent)).get(key)
    return SectionView(section, _content(section, row), row.updated_at if row else None)


def clean(section: Section, values: dict[str, str]) -> dict:
    """The section's fields from a form, checked; FormError keeps what was typed."""
    content = {name: (values.get(name) or "").strip() for name in empty(section)}
    errors: dict[str, str | Message] = {}
    if len(content["text"]) > MAX_TEXT:
        errors["text"] = Message(
            N_("Please keep this to %(count)s characters or fewer."), {"count": MAX_TEXT}
        )
    if section.agreement:
        if len(content["agreed_by"]) > MAX_NAME:
            errors["agreed_by"] = Message(
                N_("Please keep this to %(count)s characters or fewer."), {"count": MAX_NAME}
            )
        if content["agreed_on"]:
            try:
                dt.date.fromisoformat(content["agreed_on"])
            except ValueError:
                errors["agreed_on"] = N_("Enter the date it was agreed, like 2026-11-23.")
    if errors:
        raise FormError(errors)
    return content


def save_section(
    session: Session,
    *,
    parent: User,
    author: User,
    key: str,
    values: dict[str, str],
    now: dt.datetime,
) -> BirthPlanChange:
    """The parent's words go into the plan as a new version; anyone else's wait as a
    suggestion for the parent to accept or reject."""
    section = section_of(key)
    content = clean(section, values)
    plan = _plan_or_new(session, parent=parent, now=now)
    row = _rows(session, plan).get(key)
    before = _content(section, row)
    if content == before:
        raise FormError({"text": N_("Nothing has changed. Change the words, then save.")})
    by_parent = author.id == parent.id
    change = BirthPlanChange(
        plan_id=plan.id,
        section=key,
        status=ChangeStatus.saved if by_parent else ChangeStatus.pending,
        author_id=author.id,
        author_name=author.display_name[:120],
        before=json.dumps(before),
        after=json.dumps(content),
        created_at=now,
    )
    session.add(change)
    if by_parent:
        _write(session, plan=plan, row=row, key=key, content=content, now=now)
    session.commit()
    return change


def _write(session, *, plan: BirthPlan, row, key: str, content: dict, now: dt.datetime) -> None:
    if row is None:
        row = BirthPlanSection(plan_id=plan.id, section=key, content="{}")
        session.add(row)
    row.content = json.dumps(content)
    row.updated_at = now
    plan.updated_at = now


def _views(session: Session, changes) -> list[ChangeView]:
    return [
        ChangeView(
            change, section_of(change.section), json.loads(change.before), json.loads(change.after)
        )
        for change in changes
    ]


def history(session: Session, *, parent: User) -> list[ChangeView]:
    """Every version and suggestion, newest first."""
    plan = _plan(session, parent=parent)
    if plan is None:
        return []
    changes = session.exec(
        select(BirthPlanChange)
        .where(BirthPlanChange.plan_id == plan.id)
        .order_by(col(BirthPlanChange.created_at).desc(), col(BirthPlanChange.id).desc())
    ).all()
    return _views(session, changes)


def pending(session: Session, *, parent: User, author: User | None = None) -> list[ChangeView]:
    """Suggestions waiting for the parent (only `author`'s, if given), each beside what the
    section says now."""
    plan = _plan(session, parent=parent)
    if plan is None:
        return []
    query = select(BirthPlanChange).where(
        BirthPlanChange.plan_id == plan.id, BirthPlanChange.status == ChangeStatus.pending
    )
    if author is not None:
        query = query.where(BirthPlanChange.author_id == author.id)
    changes = session.exec(
        query.order_by(col(BirthPlanChange.created_at), col(BirthPlanChange.id))
    ).all()
    rows = _rows(session, plan)
    return [
        ChangeView(
            c,
            section_of(c.section),
            _content(section_of(c.section), rows.get(c.section)),
            json.loads(c.after),
        )
        for c in changes
    ]


def decide(
    session: Session, *, parent: User, change_id: int, accept: bool, now: dt.datetime
) -> BirthPlanChange:
    """The parent accepts a suggestion (it becomes the section's words) or rejects it."""
    plan = _plan(session, parent=parent)
    change = session.get(BirthPlanChange, change_id)
    if plan is None or change is None or change.plan_id != plan.id:
        raise NotFound(change_id)
    if change.status != ChangeStatus.pending:
        raise FormError({"decision": N_("You have already answered this suggestion.")})
    change.decided_at = now
    if accept:
        section = section_of(change.section)
        row = _rows(session, plan).get(change.section)
        # The history shows what the suggestion replaced when it went in.
        change.before = json.dumps(_content(section, row))
        change.status = ChangeStatus.accepted
        _write(
            session,
            plan=plan,
            row=row,
            key=change.section,
            content=json.loads(change.after),
            now=now,
        )
    else:
        change.status = ChangeStatus.rejected
    session.commit()
    return change


def set_ready(session: Session, *, parent: User, ready: bool, now: dt.datetime) -> BirthPlan:
    """The parent says the plan is ready to share with professionals, or not yet."""
    plan = _plan_or_new(session, parent=parent, now=now)
    if ready and not any(v.written for v in plan_view(session, parent=parent).sections):
        raise FormError({"ready": N_("Write at least one part of your plan first.")})
    plan.ready_at = (plan.ready_at or now) if ready else None
    session.commit()
    return plan


def create_share(
    session: Session, *, parent: User, label: str, now: dt.datetime
) -> tuple[BirthPlanShare, str]:
    """A read-only link for a professional; the token is returned once, only its hash kept."""
    label = label.strip()
    if not label:
        raise FormError({"label": N_("Say who the link is for, like “my midwife”.")})
    if len(label) > MAX_NAME:
        raise FormError(
            {
                "label": Message(
                    N_("Please keep this to %(count)s characters or fewer."), {"count": MAX_NAME}
                )
            }
        )
    plan = _plan(session, parent=parent)
    if plan is None or plan.ready_at is None:
        raise FormError({"label": N_("Mark your plan as ready to share first.")})
    token = secrets.token_urlsafe(32)
    share = BirthPlanShare(
        plan_id=plan.id, token_hash=token_hash(token), label=label, created_at=now
    )
    session.add(share)
    session.commit()
    return share, token


def shares(session: Session, *, parent: User) -> list[ShareView]:
    """The parent's links, newest first, each with the times it was opened (newest first)."""
    plan = _plan(session, parent=parent)
    if plan is None:
        return []
    found = session.exec(
        select(BirthPlanShare)
        .where(BirthPlanShare.plan_id == plan.id)
        .order_by(col(BirthPlanShare.created_at).desc(), col(BirthPlanShare.id).desc())
    ).all()
    views = []
    for share in found:
        opens = session.exec(
            select(BirthPlanShareOpen.opened_at)
            .where(BirthPlanShareOpen.share_id == share.id)
            .order_by(col(BirthPlanShareOpen.opened_at).desc())
        ).all()
        views.append(ShareView(share, list(opens)))
    return views


def revoke_share(
    session: Session, *, parent: User, share_id: int, now: dt.datetime
) -> BirthPlanShare:
    """Stops a link at once; opening it then says the plan is no longer shared."""
    plan = _plan(session, parent=parent)
    share = session.get(BirthPlanShare, share_id)
    if plan is None or share is None or share.plan_id != plan.id:
        raise NotFound(share_id)
    if share.revoked_at is None:
        share.revoked_at = now
        session.commit()
    return share


def open_shared(session: Session, *, token: str, now: dt.datetime) -> tuple[User, PlanView]:
    """The plan behind a live link, read-only; the opening is recorded for the parent."""
    share = session.exec(
        select(BirthPlanShare).where(BirthPlanShare.token_hash == token_hash(token[:100]))
    ).first()
    if share is None:
        raise NotFound("share")
    if share.revoked_at is not None:
        raise ShareRevoked()
    plan = session.get(BirthPlan, share.plan_id)
    parent = session.get(User, plan.parent_id)
    share_id = share.id
    # Opening the link is a GET that has only read: the record waits its turn (end_read).
    end_read(session, then_write=True)
    session.add(BirthPlanShareOpen(share_id=share_id, opened_at=now))
    session.commit()
    return parent, plan_view(session, parent=parent)


def export(session: Session, *, parent: User) -> dict:
    """The plan, its history and its links as plain data, for the parent's own download."""
    view = plan_view(session, parent=parent)

    def when(value):
        return as_utc(value).isoformat() if value else None

    return {
        "ready_to_share_since": when(view.ready_at),
        "sections": {item.section.key: item.content for item in view.sections if item.written},
        "changes": [
            {
                "section": item.change.section,
                "status": item.change.status.value,
                "by": item.change.author_name,
                "at": when(item.change.created_at),
                "decided_at": when(item.change.decided_at),
                "before": item.before,
                "after": item.after,
            }
            for item in history(session, parent=parent)
        ],
        "shared_links": [
            {
                "for": item.share.label,
                "made_at": when(item.share.created_at),
                "stopped_at": when(item.share.revoked_at),
                "opened_at": [when(opened) for opened in item.opens],
            }
            for item in shares(session, parent=parent)
        ],
    }
