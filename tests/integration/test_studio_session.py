"""A Studio served by a local stack that needs tokens: its index.html sets a session cookie, so the
links it opens without headers (exports, artifacts) are signed in too. Its own module: one local
stack per process at a time (moto's backends are process state)."""

import httpx
import pytest
from planalign.local.stack import LocalStack

pytestmark = pytest.mark.integration


def test_a_served_studio_gets_a_session_that_signs_in_its_plain_links(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    studio_dir = tmp_path_factory.mktemp("studio")
    (studio_dir / "index.html").write_text("<!doctype html><title>PlanAlign Studio</title>")
    with LocalStack(
        data_dir=tmp_path_factory.mktemp("cookie-data"), tokens={"token-s": "tenant-s"}, studio_dir=studio_dir
    ) as stack:
        assert httpx.get(f"{stack.api_url}/api/workspaces").status_code == 401
        browser = httpx.Client(base_url=stack.api_url)
        page = browser.get("/")
        assert "httponly" in page.headers["set-cookie"].lower()
        # The browser now sends the cookie with every same-origin request, a window.open link too.
        assert browser.get("/api/workspaces").status_code == 200

        # The favicon (not a navigation) gets no session; a session opened at /api/signin is kept.
        favicon = httpx.get(f"{stack.api_url}/favicon.ico", headers={"Sec-Fetch-Dest": "image"})
        assert "set-cookie" not in favicon.headers
        signed_in = httpx.get(f"{stack.api_url}/", cookies={"planalign_token": "pat_someone"})
        assert "set-cookie" not in signed_in.headers
