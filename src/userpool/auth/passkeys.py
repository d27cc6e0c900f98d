"""Passkey operations a signed-in user makes with an access token (spec §11.4):
StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials,
DeleteWebAuthnCredential. The rules are in ``directory.passkeys``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.auth.account import authenticated
from userpool.auth.runtime import AuthRuntime
from userpool.directory import passkeys


def start_web_authn_registration(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    with auth.rt.store.transaction() as tx:
        caller = authenticated(auth, tx, body)
        return passkeys.start_registration(auth.rt, tx, caller.pool, caller.user, caller.client_id)


def complete_web_authn_registration(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    with auth.rt.store.transaction() as tx:
        caller = authenticated(auth, tx, body)
        return passkeys.complete_registration(auth.rt, tx, caller.pool, caller.user, caller.client_id,
                                              body.get("Credential"))


def list_web_authn_credentials(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    with auth.rt.store.read() as tx:
        caller = authenticated(auth, tx, body)
        return passkeys.listing(tx, caller.pool, caller.user, body)


def delete_web_authn_credential(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    with auth.rt.store.transaction() as tx:
        caller = authenticated(auth, tx, body)
        return passkeys.delete(tx, caller.pool, caller.user, body["CredentialId"])
