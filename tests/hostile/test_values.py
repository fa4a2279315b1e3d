"""Hostile values in addresses and forms: 404s and form errors, never a 500."""

import pytest

from tests import factories
from tests.calendar.test_routes import upload
from tests.factories import post, sign_in_as

HUGE = str(2**63)


@pytest.fixture
def signed_in(client, db, app):
    app.state.clock = factories.Clock()
    parent = factories.user(db)
    sign_in_as(client, db, parent)
    return client


@pytest.mark.parametrize("path", [
    f"/en/calendar/appointments/{HUGE}",
    f"/en/calendar/appointments/{HUGE}/edit",
    f"/en/calendar/appointments/{HUGE}/calendar.ics",
    f"/en/calendar/sources/{HUGE}/delete",
    f"/en/team/people/{HUGE}",
    f"/en/calendar/appointments/{'9' * 40}",
])  # fmt: skip
def test_ids_beyond_64_bits_are_not_found(signed_in, path):
    response = signed_in.get(path, follow_redirects=False)
    assert response.status_code == 404, path
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", [
    f"/en/calendar/appointments/{HUGE}/cancel",
    f"/en/calendar/appointments/{HUGE}/delete",
    f"/en/calendar/sources/{HUGE}/refresh",
    f"/en/account/sessions/{HUGE}/end",
    f"/en/team/people/{HUGE}/remove",
    f"/en/questions/{HUGE}",
])  # fmt: skip
def test_posts_to_ids_beyond_64_bits_are_not_found(signed_in, path):
    assert post(signed_in, path).status_code in (404, 405), path


@pytest.mark.parametrize("query", ["week?start=0001-01-01", "week?start=9999-12-31",
                                   "month?month=1-01", "month?month=9999-12"])  # fmt: skip
def test_week_and_month_at_the_ends_of_time_show_today_instead(signed_in, query):
    response = signed_in.get(f"/en/calendar/{query}")
    assert response.status_code == 200, query


def test_an_appointment_on_31_december_9999_is_a_form_error(signed_in):
    form = {"agency": "gp", "summary": "Far", "date": "9999-12-31", "start_time": "10:00",
            "date_checked": "yes"}  # fmt: skip
    response = post(signed_in, "/en/calendar/appointments", form)
    assert response.status_code == 400
    assert "Enter the date, for example 27 3 2026." in response.text
    assert signed_in.get("/en/calendar/").status_code == 200


def test_a_validation_error_is_the_house_page_without_the_input(signed_in):
    hostile = "<script>alert(1)</script>" * 10
    response = signed_in.get(f"/en/calendar/?past={hostile}")
    assert response.status_code == 400
    assert "<script>alert" not in response.text and "alert(1)" not in response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("text/html")
    assert "Please try that again" in response.text


def test_the_api_keeps_json_validation_errors(client):
    response = client.put(f"/api/v1/parents/x/bookings/{'y' * 300}", json={"nonsense": 1})
    assert response.headers["content-type"].startswith("application/json")


def test_an_upload_with_a_wrong_token_is_the_house_403(signed_in):
    from tests.factories import csrf

    csrf(signed_in)
    response = signed_in.post(
        "/en/calendar/sources/upload?csrftoken=wrong-token", data={"agency": "gp"},
        files={"file": ("x.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 403
    assert "Please try that again" in response.text
    assert upload(signed_in, {"agency": "gp"}, {"file": ("x.ics", b"x", "text/calendar")})
