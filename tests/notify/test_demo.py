"""The demo's stand-in for GOV.UK Notify: the real client sends to the app itself (served
on loopback), the stand-in checks the JWT as Notify does, and /{locale}/demo-messages shows
what arrived, only with DEMO_CHANNELS."""

from app.main import create_app
from app.notify.channels.gov_notify import Notify
from app.notify.demo import DEMO_KEY, SERVICE_ID
from tests.browser.conftest import serving
from tests.conftest import settings_for
from tests.pages import check_page


def test_the_demo_stand_in_takes_real_client_requests_and_shows_them(tmp_path, migrated_url):
    settings = settings_for(migrated_url, tmp_path, demo_channels=True)
    app = create_app(settings)
    with serving(app) as address:
        client = Notify(DEMO_KEY, base_url=address, timeout=10)
        words = "You have an appointment tomorrow at 10:00"
        answer = client.sms(
            number="+447700900123", template_id="demo-sms", body=words, reference="1"
        )
        assert answer.outcome == "sent" and answer.ref
        forged = Notify(f"demo-{SERVICE_ID}-{'0' * 8}-0000-4000-8000-{'0' * 12}",
                        base_url=address, timeout=10)  # fmt: skip
        assert forged.sms(number="+447700900123", template_id="t", body="x",
                          reference="2").outcome == "refused"  # fmt: skip
        import httpx

        page = httpx.get(f"{address}/en/demo-messages")
        assert page.status_code == 200
        assert "Text to +447700900123" in page.text
        assert "You have an appointment tomorrow at 10:00" in page.text
        assert page.text.count("Text to") == 1
        check_page(page.text)  # the page sweep leaves it out: it exists only with the flag
    app.state.engine.dispose()


def test_without_the_demo_flag_there_is_no_stand_in(client):
    assert client.get("/en/demo-messages").status_code == 404
    answer = client.post("/v2/notifications/sms", json={})
    assert answer.status_code == 404
