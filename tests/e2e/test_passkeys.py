"""Passkeys (issue 14 item 3) through boto3, with a software authenticator
(bench/soft_authenticator.py) so every refusal is precise: registration (Start / Complete),
listing and deletion, USER_AUTH sign-in with WEB_AUTHN (preferred and chosen), the MFA rule of
FactorConfiguration, and the forgeries — another user's credential, a replayed assertion, a wrong
origin or relying party, an origin no browser writes, no user verification when it is required, a
cloned authenticator (refused and logged), a userHandle naming another user; a registration
replayed, completed by another client or answering another user's challenge; the cap on passkeys
per user, the Lite tier, a changed relying party. The real browser is in
tests/e2e/test_passkeys_browser.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bench.soft_authenticator import SoftAuthenticator, b64url, unb64url

from tests.e2e.conftest import PASSWORD
from tests.e2e.server import Server

ORIGIN = "https://app.example.com"
FLOWS = ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def passkey_pool(idp: Any, make_pool: Any, *, uv: str = "required", factor: str = "SINGLE_FACTOR") -> str:
    pool_id = str(make_pool(Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}))
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, WebAuthnConfiguration={
        "RelyingPartyId": "example.com", "UserVerification": uv, "FactorConfiguration": factor})
    return pool_id


def access_token(idp: Any, client: dict[str, Any], username: str = "ann") -> str:
    done = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    return str(done["AuthenticationResult"]["AccessToken"])


def register(idp: Any, access: str, authenticator: SoftAuthenticator, **misbehave: Any) -> None:
    options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    idp.complete_web_authn_registration(AccessToken=access, Credential=authenticator.register(options, **misbehave))


def web_authn_challenge(idp: Any, client: dict[str, Any], username: str = "ann") -> dict[str, Any]:
    challenge = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_AUTH",
                                  AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"})
    assert challenge["ChallengeName"] == "WEB_AUTHN", challenge
    return dict(challenge)


def answer(idp: Any, client: dict[str, Any], challenge: dict[str, Any], credential: str,
           username: str = "ann") -> dict[str, Any]:
    return dict(idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="WEB_AUTHN",
                                              Session=challenge["Session"],
                                              ChallengeResponses={"USERNAME": username, "CREDENTIAL": credential}))


def test_register_list_sign_in_delete(idp: Any, make_pool: Any, make_client: Any, make_user: Any,
                                      expect_error: Any) -> None:
    pool_id = passkey_pool(idp, make_pool)
    client = make_client(pool_id, ExplicitAuthFlows=FLOWS)
    make_user(pool_id, "ann")
    access = access_token(idp, client)
    phone = SoftAuthenticator(ORIGIN)
    options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    assert options["rp"]["id"] == "example.com" and options["challenge"] and options["user"]["id"]
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -257]  # ES256, RS256
    idp.complete_web_authn_registration(AccessToken=access, Credential=phone.register(options))
    listed = idp.list_web_authn_credentials(AccessToken=access)["Credentials"]
    assert [c["RelyingPartyId"] for c in listed] == ["example.com"]
    assert listed[0]["AuthenticatorTransports"] == ["internal"] and listed[0]["AuthenticatorAttachment"] == "platform"
    assert idp.get_user_auth_factors(AccessToken=access)["ConfiguredUserAuthFactors"] == ["PASSWORD", "WEB_AUTHN"]
    offered = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "ann"})
    assert offered["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "WEB_AUTHN"]
    challenge = web_authn_challenge(idp, client)
    request = json.loads(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert request["rpId"] == "example.com" and request["userVerification"] == "required"
    assert [c["id"] for c in request["allowCredentials"]] == [listed[0]["CredentialId"]]
    tokens = answer(idp, client, challenge, phone.assert_(request))["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "ann"
    # chosen at SELECT_CHALLENGE (Amplify answers ANSWER=WEB_AUTHN without a credential, §11.3)
    chosen = idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="SELECT_CHALLENGE",
                                           Session=offered["Session"],
                                           ChallengeResponses={"USERNAME": "ann", "ANSWER": "WEB_AUTHN"})
    assert chosen["ChallengeName"] == "WEB_AUTHN"
    assert answer(idp, client, chosen, phone.assert_(chosen["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]))
    with expect_error("ResourceNotFoundException"):
        idp.delete_web_authn_credential(AccessToken=access, CredentialId="bm90LW1pbmU")
    idp.delete_web_authn_credential(AccessToken=access, CredentialId=listed[0]["CredentialId"])
    assert idp.list_web_authn_credentials(AccessToken=access)["Credentials"] == []
    offered = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "ann"})
    assert "WEB_AUTHN" not in offered["AvailableChallenges"]


def test_forged_assertions_are_refused(server: Server, idp: Any, make_pool: Any, make_client: Any, make_user: Any,
                                       expect_error: Any) -> None:
    pool_id = passkey_pool(idp, make_pool)
    client = make_client(pool_id, ExplicitAuthFlows=FLOWS)
    make_user(pool_id, "ann")
    make_user(pool_id, "bob")
    ann_key, bob_key = SoftAuthenticator(ORIGIN), SoftAuthenticator(ORIGIN)
    register(idp, access_token(idp, client, "ann"), ann_key)
    register(idp, access_token(idp, client, "bob"), bob_key)
    wrong = "Incorrect username or password."

    def refused(make: Any) -> None:
        challenge = web_authn_challenge(idp, client)
        request = challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
        with expect_error("NotAuthorizedException", wrong):
            answer(idp, client, challenge, make(request))

    refused(lambda request: bob_key.assert_(request, passkey=bob_key.passkeys[0]))  # another user's credential
    refused(lambda request: ann_key.assert_(request, origin="https://evil.example.net"))  # wrong origin
    refused(lambda request: ann_key.assert_(request, origin="https://evilexample.com"))  # not a subdomain
    # origins no browser writes, though their host is the relying party's
    refused(lambda request: ann_key.assert_(request, origin="https://evil.net@app.example.com"))
    refused(lambda request: ann_key.assert_(request, origin="https://app.example.com/login"))
    refused(lambda request: ann_key.assert_(request, origin="http://app.example.com"))  # not a secure context
    refused(lambda request: ann_key.assert_(request, rp_id="evil.example.net"))  # wrong relying party
    refused(lambda request: ann_key.assert_(request, uv=False))  # user verification required
    refused(lambda request: ann_key.assert_(json.dumps({**json.loads(request), "challenge": "AAAA"})))  # stale
    # a right assertion, replayed: the session is single use, and its challenge died with it
    challenge = web_authn_challenge(idp, client)
    credential = ann_key.assert_(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"], counter=50)
    assert answer(idp, client, challenge, credential)["AuthenticationResult"]
    with expect_error("NotAuthorizedException"):
        answer(idp, client, challenge, credential)
    # a forgery with a low counter is no clone (its signature is wrong): refused, not logged as one
    clones = server.log().count("passkey counter went backwards")
    refused(lambda request: with_bad_signature(ann_key.assert_(request, counter=10)))
    assert server.log().count("passkey counter went backwards") == clones
    # a cloned authenticator: its counter goes back; refused, and the server says so in its log
    refused(lambda request: ann_key.assert_(request, counter=10))
    assert server.log().count("passkey counter went backwards") == clones + 1
    assert f"credential={b64url(ann_key.passkeys[0].credential_id)} stored=50 presented=10" in server.log()
    # ann's credential and signature, with a userHandle naming bob
    refused(lambda request: with_user_handle(ann_key.assert_(request, counter=60), bob_key.passkeys[0].user_handle))
    ok = web_authn_challenge(idp, client)
    assert answer(idp, client, ok, ann_key.assert_(ok["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"],
                                                   counter=61))["AuthenticationResult"]
    # a right origin on another port of a subdomain is fine
    ok = web_authn_challenge(idp, client)
    assert answer(idp, client, ok, ann_key.assert_(ok["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"],
                                                   origin="https://login.app.example.com:8443"))


def with_bad_signature(credential: str) -> str:
    parsed = json.loads(credential)
    signature = bytearray(unb64url(parsed["response"]["signature"]))
    signature[-1] ^= 1
    parsed["response"]["signature"] = b64url(bytes(signature))
    return json.dumps(parsed)


def with_user_handle(credential: str, handle: bytes) -> str:
    parsed = json.loads(credential)
    parsed["response"]["userHandle"] = b64url(handle)
    return json.dumps(parsed)


def test_registration_misuse(idp: Any, make_pool: Any, make_client: Any, make_user: Any, expect_error: Any) -> None:
    pool_id = passkey_pool(idp, make_pool)
    client = make_client(pool_id, ExplicitAuthFlows=FLOWS)
    other = make_client(pool_id, ExplicitAuthFlows=FLOWS)
    make_user(pool_id, "ann")
    access = access_token(idp, client)
    phone = SoftAuthenticator(ORIGIN)
    with expect_error("WebAuthnChallengeNotFoundException"):  # nothing started
        idp.complete_web_authn_registration(AccessToken=access, Credential=phone.register(
            {"rp": {"id": "example.com"}, "user": {"id": "dXNlcg"}, "challenge": "AAAA"}))
    options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    with expect_error("WebAuthnClientMismatchException"):  # completed through another app client
        idp.complete_web_authn_registration(AccessToken=access_token(idp, other), Credential=phone.register(options))
    for misbehave, error in (({"origin": "https://evil.example.net"}, "WebAuthnOriginNotAllowedException"),
                             ({"rp_id": "evil.example.net"}, "WebAuthnRelyingPartyMismatchException"),
                             ({"uv": False}, "WebAuthnCredentialNotSupportedException"),
                             ({"eddsa": True}, "WebAuthnCredentialNotSupportedException")):  # a key not offered
        options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
        with expect_error(error):
            idp.complete_web_authn_registration(AccessToken=access, Credential=phone.register(options, **misbehave))
    idp.start_web_authn_registration(AccessToken=access)
    with expect_error("InvalidParameterException", match="Credential is not a valid registration response"):
        idp.complete_web_authn_registration(AccessToken=access, Credential={"id": "eA", "response": {
            "clientDataJSON": "!!"}})
    options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    credential = phone.register(options)
    idp.complete_web_authn_registration(AccessToken=access, Credential=credential)
    with expect_error("WebAuthnChallengeNotFoundException"):  # a registration is completed once
        idp.complete_web_authn_registration(AccessToken=access, Credential=credential)
    assert len(idp.list_web_authn_credentials(AccessToken=access)["Credentials"]) == 1
    # bob's registration answered under ann's token: ann has none started, then another one started
    make_user(pool_id, "bob")
    bob = access_token(idp, client, "bob")
    bobs = idp.start_web_authn_registration(AccessToken=bob)["CredentialCreationOptions"]
    with expect_error("WebAuthnChallengeNotFoundException"):
        idp.complete_web_authn_registration(AccessToken=access, Credential=phone.register(bobs))
    idp.start_web_authn_registration(AccessToken=access)
    with expect_error("WebAuthnChallengeNotFoundException"):
        idp.complete_web_authn_registration(AccessToken=access, Credential=phone.register(bobs))
    assert len(idp.list_web_authn_credentials(AccessToken=access)["Credentials"]) == 1
    idp.complete_web_authn_registration(AccessToken=bob, Credential=SoftAuthenticator(ORIGIN).register(bobs))
    assert len(idp.list_web_authn_credentials(AccessToken=bob)["Credentials"]) == 1
    no_passkeys = make_pool()
    plain = make_client(no_passkeys, ExplicitAuthFlows=FLOWS)
    make_user(no_passkeys, "ann")
    with expect_error("WebAuthnNotEnabledException"):
        idp.start_web_authn_registration(AccessToken=access_token(idp, plain))


@pytest.mark.parametrize(("factor", "mfa_after"), [("SINGLE_FACTOR", True), ("MULTI_FACTOR_WITH_USER_VERIFICATION",
                                                                              False)])
def test_passkey_and_mfa(factor: str, mfa_after: bool, idp: Any, make_pool: Any, make_client: Any,
                         make_user: Any) -> None:
    """A passkey with user verification satisfies MFA only under MULTI_FACTOR_WITH_USER_VERIFICATION."""
    pool_id = passkey_pool(idp, make_pool, factor=factor)
    client = make_client(pool_id, ExplicitAuthFlows=FLOWS)
    make_user(pool_id, "ann", email="ann@example.com", email_verified="true")
    phone = SoftAuthenticator(ORIGIN)
    register(idp, access_token(idp, client), phone)
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                 EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"})
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="ann",
                                      EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge = web_authn_challenge(idp, client)
    request = challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
    result = answer(idp, client, challenge, phone.assert_(request))
    assert (result.get("ChallengeName") == "EMAIL_OTP") is mfa_after, result


def test_passkeys_per_user_are_capped(idp: Any, make_pool: Any, make_client: Any, make_user: Any,
                                      expect_error: Any) -> None:
    """At most 20 passkeys (one ListWebAuthnCredentials page); deleting one makes room."""
    pool_id = passkey_pool(idp, make_pool)
    client = make_client(pool_id, ExplicitAuthFlows=FLOWS)
    make_user(pool_id, "ann")
    access = access_token(idp, client)
    keys = SoftAuthenticator(ORIGIN)
    pending = []
    for _ in range(20):
        options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
        pending.append(options)
        idp.complete_web_authn_registration(AccessToken=access, Credential=keys.register(options))
    first = idp.list_web_authn_credentials(AccessToken=access, MaxResults=20)
    assert len(first["Credentials"]) == 20 and "NextToken" not in first
    assert len(pending[-1]["excludeCredentials"]) == 19
    with expect_error("LimitExceededException", "A user can register at most 20 passkeys."):
        idp.start_web_authn_registration(AccessToken=access)
    idp.delete_web_authn_credential(AccessToken=access, CredentialId=first["Credentials"][0]["CredentialId"])
    options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    idp.complete_web_authn_registration(AccessToken=access, Credential=keys.register(options))


def test_lite_tier_has_no_passkeys(idp: Any, make_pool: Any, make_client: Any, make_user: Any,
                                   expect_error: Any) -> None:
    """Passkeys, and choice-based factors other than PASSWORD, need the Essentials tier
    (WebAuthnConfigurationType, SignInPolicyType): refused when a Lite pool asks for them."""
    with expect_error("FeatureUnavailableInTierException", match="Essentials"):
        make_pool(UserPoolTier="LITE",
                  Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})
    pool_id = str(make_pool(UserPoolTier="LITE"))
    with expect_error("FeatureUnavailableInTierException", match="Essentials"):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, WebAuthnConfiguration={"RelyingPartyId": "example.com"})
    client = make_client(pool_id, ExplicitAuthFlows=FLOWS[1:])
    make_user(pool_id, "ann")
    with expect_error("WebAuthnNotEnabledException", "Passkeys are not available in the Lite tier."):
        idp.start_web_authn_registration(AccessToken=access_token(idp, client))


def test_a_changed_relying_party_retires_the_old_passkeys(idp: Any, make_pool: Any, make_client: Any,
                                                          make_user: Any) -> None:
    """Passkeys are scoped to the relying party they were made for: after RelyingPartyId changes,
    sign-in no longer offers them; the list still shows them (with their RelyingPartyId) for deletion."""
    pool_id = passkey_pool(idp, make_pool)
    client = make_client(pool_id, ExplicitAuthFlows=FLOWS)
    make_user(pool_id, "ann")
    access = access_token(idp, client)
    register(idp, access, SoftAuthenticator(ORIGIN))
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, WebAuthnConfiguration={"RelyingPartyId": "example.org"})
    offered = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "ann"})
    assert "WEB_AUTHN" not in offered["AvailableChallenges"]
    assert "WEB_AUTHN" not in idp.get_user_auth_factors(AccessToken=access)["ConfiguredUserAuthFactors"]
    assert [c["RelyingPartyId"] for c in idp.list_web_authn_credentials(AccessToken=access)["Credentials"]] == [
        "example.com"]
    new = SoftAuthenticator("https://app.example.org")
    register(idp, access, new)
    challenge = web_authn_challenge(idp, client)
    request = json.loads(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert [c["id"] for c in request["allowCredentials"]] == [b64url(new.passkeys[0].credential_id)]
    assert answer(idp, client, challenge, new.assert_(request))["AuthenticationResult"]
