"""Sign-in for a Studio built without a token: a page where a consultant pastes their API token, and
the session it opens. The page sends the token once as `X-API-Token` to `POST /api/session`; the front
door (and the local gateway) turn an accepted header credential into the HttpOnly session cookie, which
every later request of the Studio carries. `DELETE /api/session` signs out by expiring the cookie."""

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from planalign.api.tenant import Tenant
from planalign.services.credentials import SESSION_COOKIE

router = APIRouter(prefix="/api", tags=["session"])

SIGN_IN_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - PlanAlign</title>
<style>
body { font-family: system-ui, sans-serif; background: #f4f6f8; display: grid; place-items: center;
       min-height: 100vh; margin: 0; }
form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; width: 22rem; }
input, button { width: 100%; box-sizing: border-box; padding: .6rem; margin-top: .5rem; font-size: 1rem; }
button { background: #0b5cad; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
#error { color: #b00020; min-height: 1.2rem; }
</style>
</head>
<body>
<form id="signin">
<h1>PlanAlign</h1>
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required
       placeholder="pat_...">
<button type="submit">Sign in</button>
<p id="error" role="alert"></p>
</form>
<script>
document.getElementById("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("error");
  error.textContent = "";
  const token = document.getElementById("token").value.trim();
  const answer = await fetch("/api/session", {method: "POST", headers: {"X-API-Token": token},
                                               credentials: "same-origin"});
  if (answer.ok) {
    window.location.assign("/");
  } else {
    error.textContent = answer.status === 401 || answer.status === 403
      ? "That token is not valid (revoked, mistyped or of another stack)."
      : "Sign-in failed (" + answer.status + "). Try again.";
  }
});
</script>
</body>
</html>
"""


class Session(BaseModel):
    tenant_id: str


@router.get("/signin", response_class=HTMLResponse, include_in_schema=False)
def sign_in_page() -> HTMLResponse:
    """Public: the page holds no secret; the token it takes is checked by `POST /api/session`."""
    return HTMLResponse(SIGN_IN_PAGE, headers={"cache-control": "no-cache"})


@router.post("/session")
def open_session(tenant_id: Tenant) -> Session:
    """Reached only with an accepted credential: the answer's 200 is what makes the front door set the
    session cookie from the header the credential came in."""
    return Session(tenant_id=tenant_id)


@router.delete("/session", status_code=204)
def close_session() -> Response:
    """Public, so that a revoked or expired cookie can be dropped too. No `Secure` on the expired
    cookie: it carries nothing, and a browser would ignore it on a plain-HTTP local stack."""
    response = Response(status_code=204)
    response.headers["set-cookie"] = f"{SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict"
    return response
