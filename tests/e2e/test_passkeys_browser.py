"""Passkeys in a real browser (issue 14): headless Chromium (Debian's ``chromium``, driven by
Playwright with that executable) with a CDP virtual authenticator, running a page that uses
Amplify JS v6 (unmodified, bundled by esbuild: tests/js/browser/passkey_page.mjs) against the
server: ``associateWebAuthnCredential``, ``listWebAuthnCredentials``, ``signIn`` with USER_AUTH and
``preferredChallenge: 'WEB_AUTHN'`` and by choice (``confirmSignIn`` with ``WEB_AUTHN``),
``deleteWebAuthnCredential``. The browser computes the credentials; the server checks them with
py_webauthn. Without Chromium (or Playwright) the test skips with the reason; under CI=true it
fails."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.server import Server

JS = Path(__file__).resolve().parents[1] / "js"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.node


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)"
    if not (JS / "node_modules" / ".bin" / "esbuild").exists() or shutil.which("node") is None:
        return "tests/js/node_modules is missing esbuild: run `npm ci --prefix tests/js`"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is missing: `make install`"
    return None


@pytest.fixture(scope="module")
def page_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = _missing()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    out = tmp_path_factory.mktemp("passkey-page")
    subprocess.run([str(JS / "node_modules" / ".bin" / "esbuild"), str(JS / "browser" / "passkey_page.mjs"),
                    "--bundle", "--format=esm", "--platform=browser", f"--outfile={out / 'page.js'}",
                    "--log-level=warning"], check=True, cwd=JS, timeout=120)
    (out / "index.html").write_text('<!doctype html><title>passkeys</title><script type="module" src="page.js">'
                                    "</script>\n")
    return out


@pytest.fixture(scope="module")
def page_origin(page_dir: Path) -> Iterator[str]:
    """The page, served on http://localhost (a secure context, so WebAuthn works)."""
    handler = functools.partial(_QuietHandler, directory=str(page_dir))
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://localhost:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def browser_page(page_origin: str) -> Iterator[Any]:
    """A fresh headless Chromium (Playwright gives it a new, empty profile) on the page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page()
            cdp = page.context.new_cdp_session(page)
            cdp.send("WebAuthn.enable")
            cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
                "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True}})
            page.goto(page_origin + "/index.html")
            page.wait_for_function("() => window.app !== undefined", timeout=30_000)
            yield page
        finally:
            browser.close()


def call(page: Any, method: str, *args: Any) -> Any:
    answer = page.evaluate(f"(args) => window.app.{method}(...args)", list(args))
    if answer is not None and answer.get("error"):
        raise AssertionError(f"{method}: {answer['error']}")
    return None if answer is None else answer.get("ok")


def test_amplify_registers_and_signs_in_with_a_passkey(browser_page: Any, server: Server, idp: Any,
                                                       make_pool: Any, make_client: Any, make_user: Any) -> None:
    pool_id = make_pool(Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, WebAuthnConfiguration={
        "RelyingPartyId": "localhost", "UserVerification": "required"})
    client_id = make_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                                                        "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]
    make_user(pool_id, "ann")
    page = browser_page
    call(page, "configure", server.url, pool_id, client_id)
    signed = call(page, "signIn", {"username": "ann", "password": PASSWORD,
                                   "options": {"authFlowType": "USER_PASSWORD_AUTH"}})
    assert signed["isSignedIn"] is True, signed
    call(page, "associateWebAuthnCredential")
    listed = call(page, "listWebAuthnCredentials")
    assert len(listed) == 1 and listed[0]["relyingPartyId"] == "localhost", listed
    call(page, "signOut")
    done = call(page, "signIn", {"username": "ann", "options": {"authFlowType": "USER_AUTH",
                                                                "preferredChallenge": "WEB_AUTHN"}})
    assert done == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}, done
    assert call(page, "currentUser")["username"] == "ann"
    # no preferred challenge: Amplify shows the choice, the user picks the passkey (SELECT_CHALLENGE
    # answered with ANSWER=WEB_AUTHN, then the WEB_AUTHN challenge, §11.3)
    call(page, "signOut")
    offered = call(page, "signIn", {"username": "ann", "options": {"authFlowType": "USER_AUTH"}})
    assert offered["nextStep"]["signInStep"] == "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION", offered
    assert "WEB_AUTHN" in offered["nextStep"]["availableChallenges"], offered
    done = call(page, "confirmSignIn", {"challengeResponse": "WEB_AUTHN"})
    assert done == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}, done
    assert call(page, "currentUser")["username"] == "ann"
    call(page, "deleteWebAuthnCredential", listed[0]["credentialId"])
    assert call(page, "listWebAuthnCredentials") == []
