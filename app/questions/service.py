"""A parent's questions: add, edit, tick off, attach to an appointment, remove."""

import re

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.calendar.models import Appointment
from app.clock import as_utc
from app.forms import N_, FormError
from app.questions.models import Question

MAX_TEXT = 500


def _clean(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise FormError({"text": N_("Write your question first.")})
    if len(text) > MAX_TEXT:
        raise FormError({"text": N_("That is too long. Please make it shorter.")})
    return text


def list_questions(session: Session, *, parent: User) -> list[Question]:
    """Questions still to ask first, then those asked, oldest first within each."""
    query = select(Question).where(Question.parent_id == parent.id)
    return sorted(session.exec(query), key=lambda q: (q.done, q.created_at, q.id))


def added_by_others(session: Session, *, parent: User, questions: list[Question]) -> dict[int, str]:
    """For each question someone else put on the parent's list, that person's name."""
    others = {q.created_by_id for q in questions if q.created_by_id not in (None, parent.id)}
    if not others:
        return {}
    names = {
        u.id: u.display_name for u in session.exec(select(User).where(col(User.id).in_(others)))
    }
    return {q.id: names[q.created_by_id] for q in questions if q.created_by_id in names}


def add_question(
    session: Session, *, parent: User, author: User, text: str, about: str = "",
    appointment_id: int | None = None, client_key: str = "",
) -> Question:  # fmt: skip
    """A new question; sending the same one again from a device (same key) adds nothing."""
    key = client_key if re.fullmatch(r"[A-Za-z0-9-]{8,64}", client_key or "") else None
    if key:
        found = session.exec(
            select(Question).where(Question.parent_id == parent.id, Question.client_key == key)
        ).first()
        if found:
            return found
    question = Question(
        parent_id=parent.id, text=_clean(text), about=about[:300], created_by_id=author.id,
        appointment_id=_appointment_of(session, parent=parent, appointment_id=appointment_id),
        client_key=key,
    )  # fmt: skip
    session.add(question)
    session.commit()
    session.refresh(question)
    return question


def _appointment_of(session: Session, *, parent: User, appointment_id: int | None) -> int | None:
    if not appointment_id:
        return None
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.parent_id != parent.id:
        raise FormError({"appointment_id": N_("Choose one of your appointments.")})
    return appointment.id


def _own(session: Session, *, parent: User, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.parent_id != parent.id:
        raise LookupError(question_id)
    return question


def change_question(
    session: Session, *, parent: User, question_id: int, text: str | None = None,
    done: bool | None = None, appointment_id: int | None = None, attach: bool = False,
) -> Question:  # fmt: skip
    """Edit, tick off (or back on), or attach to an appointment (0 takes it off)."""
    question = _own(session, parent=parent, question_id=question_id)
    if text is not None:
        question.text = _clean(text)
    if done is not None:
        question.done = done
    if attach:
        question.appointment_id = _appointment_of(
            session, parent=parent, appointment_id=appointment_id
        )
    session.add(question)
    session.commit()
    return question


def delete_question(session: Session, *, parent: User, question_id: int) -> None:
    session.delete(_own(session, parent=parent, question_id=question_id))
    session.commit()


def for_appointment(session: Session, *, parent: User, appointment_id: int) -> list[Question]:
    query = select(Question).where(
        Question.parent_id == parent.id, Question.appointment_id == appointment_id
    )
    return list(session.exec(query.order_by(Question.id)))


def export(session: Session, *, parent: User) -> list[dict]:
    """Every question with the appointment it is for, for the parent's own download."""
    appointments = {
        a.id: a for a in session.exec(select(Appointment).where(Appointment.parent_id == parent.id))
    }
    found = []
    for question in list_questions(session, parent=parent):
        appointment = appointments.get(question.appointment_id)
        found.append(
            {
                "question": question.text,
                "asked": question.done,
                "about": question.about or None,
                "appointment_id": question.appointment_id,
                "appointment": {
                    "title": appointment.summary,
                    "start": as_utc(appointment.start).isoformat(),
                }
                if appointment
                else None,
                "added_by_me": question.created_by_id in (None, parent.id),
                "added_at": as_utc(question.created_at).isoformat(),
            }
        )
    return found
