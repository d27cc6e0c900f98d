"""A software WebAuthn authenticator (CLIENT SIDE, for tests and the bench): an ES256 key per
credential, "none" attestation, and the browser's part (clientDataJSON with type, challenge,
origin), as W3C WebAuthn Level 3 §6–7 lay them out. It makes exactly the JSON a browser's
``PublicKeyCredential.toJSON()`` gives (binary values base64url without padding, §11.4), and it
can be told to misbehave (another origin, no user verification, a counter that goes back) so the
server's refusals can be tested precisely."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

UP, UV, AT = 0x01, 0x04, 0x40
AAGUID = bytes(16)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Passkey:
    credential_id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


@dataclass
class SoftAuthenticator:
    """One authenticator, with the passkeys it made. ``origin``: the page's origin."""

    origin: str
    passkeys: list[Passkey] = field(default_factory=list)

    def register(self, options: dict[str, Any], *, origin: str | None = None, uv: bool = True,
                 rp_id: str | None = None, eddsa: bool = False) -> dict[str, Any]:
        """The RegistrationResponseJSON for StartWebAuthnRegistration's options (an object).
        ``eddsa``: an Ed25519 key instead (registration only; it cannot sign assertions here)."""
        rp = rp_id or options["rp"]["id"]
        key = ec.generate_private_key(ec.SECP256R1())
        passkey = Passkey(os.urandom(32), key, rp, unb64url(options["user"]["id"]))
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        if eddsa:
            raw = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            cose = cbor2.dumps({1: 1, 3: -8, -1: 6, -2: raw})
        auth_data = (hashlib.sha256(rp.encode()).digest() + bytes([UP | (UV if uv else 0) | AT])
                     + (0).to_bytes(4, "big") + AAGUID + len(passkey.credential_id).to_bytes(2, "big")
                     + passkey.credential_id + cose)
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        self.passkeys.append(passkey)
        return {"id": b64url(passkey.credential_id), "rawId": b64url(passkey.credential_id), "type": "public-key",
                "clientExtensionResults": {}, "authenticatorAttachment": "platform",
                "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation),
                             "transports": ["internal"]}}

    def assert_(self, request_options: str | dict[str, Any], *, passkey: Passkey | None = None,
                origin: str | None = None, uv: bool = True, rp_id: str | None = None,
                counter: int | None = None) -> str:
        """The CREDENTIAL (a JSON string) answering WEB_AUTHN's CREDENTIAL_REQUEST_OPTIONS."""
        options = json.loads(request_options) if isinstance(request_options, str) else request_options
        if passkey is None:
            allowed = {c["id"] for c in options.get("allowCredentials") or []}
            passkey = next(p for p in self.passkeys if not allowed or b64url(p.credential_id) in allowed)
        passkey.sign_count = passkey.sign_count + 1 if counter is None else counter
        rp = rp_id or options.get("rpId") or passkey.rp_id
        auth_data = (hashlib.sha256(rp.encode()).digest() + bytes([UP | (UV if uv else 0)])
                     + passkey.sign_count.to_bytes(4, "big"))
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = passkey.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps({
            "id": b64url(passkey.credential_id), "rawId": b64url(passkey.credential_id), "type": "public-key",
            "clientExtensionResults": {}, "authenticatorAttachment": "platform",
            "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                         "signature": b64url(signature), "userHandle": b64url(passkey.user_handle)}})

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}, separators=(",", ":")).encode()
