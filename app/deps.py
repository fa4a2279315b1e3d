"""Typed dependencies that routes declare: the session, the settings, the page's locale."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session

from app.explainers.content import Content
from app.i18n import LocaleInfo, locale_info
from app.settings import Settings
from app.templating import Pages


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_pages(request: Request) -> Pages:
    return request.app.state.pages


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


def get_content(request: Request) -> Content:
    return request.app.state.content


def get_locale(request: Request, locale: str) -> LocaleInfo:
    """The locale named in the path; a locale this site does not serve is a 404."""
    if locale not in request.app.state.settings.locale_list:
        raise HTTPException(status_code=404)
    request.state.loc = locale_info(locale)
    return request.state.loc


SettingsDep = Annotated[Settings, Depends(get_settings)]
PagesDep = Annotated[Pages, Depends(get_pages)]
SessionDep = Annotated[Session, Depends(get_session)]
LocaleDep = Annotated[LocaleInfo, Depends(get_locale)]
ContentDep = Annotated[Content, Depends(get_content)]
