"""RS256 compact JWS: our signer checked by PyJWT, PyJWT's tokens checked by us, and refusals."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from userpool.crypto.jwt import ExpiredToken, InvalidToken, decode_unverified, sign, verify
from userpool.crypto.keys import KeyRing, generate_private_pem, kid_for, public_jwk

NOW = 1_700_000_000.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Keys:
    def __init__(self) -> None:
        self.pem = generate_private_pem()
        self.other_pem = generate_private_pem()
        self.kid = kid_for(self.pem)
        self.other_kid = kid_for(self.other_pem)
        self.ring = KeyRing()
        self.ring.add(self.kid, self.pem)
        self.ring.add(self.other_kid, self.other_pem)
        self.key = self.ring.signer(self.kid)
        self.other_key = self.ring.signer(self.other_kid)


@pytest.fixture(scope="module")
def k() -> Keys:
    return Keys()


def claims(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sub": "3f1a6c1e-0000-4000-8000-000000000001",
        "token_use": "access",
        "username": "alice",
        "iat": int(NOW),
        "exp": int(NOW) + 3600,
    }
    base.update(extra)
    return base


def rs256(signing_input: str, key: rsa.RSAPrivateKey) -> str:
    return b64url(key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()))


def forge(header: Any, body: Any, key: rsa.RSAPrivateKey) -> str:
    """A correctly RS256-signed token with arbitrary header/claims (to reach the later checks)."""
    head = header if isinstance(header, str) else b64url_json(header)
    payload = body if isinstance(body, str) else b64url_json(body)
    signing_input = f"{head}.{payload}"
    return f"{signing_input}.{rs256(signing_input, key)}"


# --- interoperability -------------------------------------------------------------------------


def test_pyjwt_verifies_our_token_with_our_jwk(k: Keys) -> None:
    token = sign(claims(name="Ærøskøbing ✓"), k.key, k.kid)
    jwk = pyjwt.PyJWK(public_jwk(k.pem, k.kid))
    decoded = pyjwt.decode(token, jwk, algorithms=["RS256"], options={"verify_exp": False})
    assert decoded == claims(name="Ærøskøbing ✓")
    assert pyjwt.get_unverified_header(token) == {"kid": k.kid, "alg": "RS256"}


def test_pyjwt_jwks_client_style_lookup(k: Keys) -> None:
    jwks = pyjwt.PyJWKSet.from_dict(
        {"keys": [public_jwk(k.other_pem, k.other_kid), public_jwk(k.pem, k.kid)]}
    )
    token = sign(claims(), k.key, k.kid)
    header = pyjwt.get_unverified_header(token)
    key = next(key for key in jwks.keys if key.key_id == header["kid"])
    assert (
        pyjwt.decode(token, key, algorithms=["RS256"], options={"verify_exp": False})["sub"]
        == claims()["sub"]
    )


def test_header_is_exactly_kid_then_alg_compact(k: Keys) -> None:
    token = sign(claims(), k.key, k.kid)
    header_raw = b64url_decode(token.split(".")[0])
    assert header_raw == ('{"kid":"' + k.kid + '","alg":"RS256"}').encode()
    assert b" " not in b64url_decode(token.split(".")[1])
    assert "=" not in token and "+" not in token and "/" not in token


def test_we_verify_a_pyjwt_token(k: Keys) -> None:
    token = pyjwt.encode(claims(), k.pem, algorithm="RS256", headers={"kid": k.kid})
    assert verify(token, k.ring.verifier, NOW) == claims()


def test_round_trip_and_decode_unverified(k: Keys) -> None:
    token = sign(claims(), k.key, k.kid)
    assert verify(token, k.ring.verifier, NOW) == claims()
    header, body = decode_unverified(token)
    assert header == {"kid": k.kid, "alg": "RS256"}
    assert body == claims()


# --- refusals -----------------------------------------------------------------------------------


def test_tampered_payload_refused(k: Keys) -> None:
    head, _, sig = sign(claims(), k.key, k.kid).split(".")
    forged = f"{head}.{b64url_json(claims(username='mallory'))}.{sig}"
    with pytest.raises(InvalidToken):
        verify(forged, k.ring.verifier, NOW)


def test_every_signature_bit_flip_refused(k: Keys) -> None:
    token = sign(claims(), k.key, k.kid)
    head, body, sig = token.split(".")
    raw = bytearray(b64url_decode(sig))
    for index in (0, 1, len(raw) // 2, len(raw) - 1):
        for bit in (0, 7):
            tampered = bytearray(raw)
            tampered[index] ^= 1 << bit
            with pytest.raises(InvalidToken):
                verify(f"{head}.{body}.{b64url(bytes(tampered))}", k.ring.verifier, NOW)
    with pytest.raises(InvalidToken):
        verify(f"{head}.{body}.{b64url(bytes(raw[:-1]))}", k.ring.verifier, NOW)


def test_swapped_kid_refused(k: Keys) -> None:
    # Signed with key A but claims to be key B: B's public key does not verify it.
    token = forge({"kid": k.other_kid, "alg": "RS256"}, claims(), k.key)
    with pytest.raises(InvalidToken):
        verify(token, k.ring.verifier, NOW)
    # Header rewritten after signing: the signature covers the header.
    _head, body, sig = sign(claims(), k.key, k.kid).split(".")
    rewritten = b64url_json({"kid": k.other_kid, "alg": "RS256"})
    with pytest.raises(InvalidToken):
        verify(f"{rewritten}.{body}.{sig}", k.ring.verifier, NOW)


@pytest.mark.parametrize("kid", ["unknown=", "", None, 5, ["x"]])
def test_unknown_or_bad_kid_refused(k: Keys, kid: Any) -> None:
    header = {"alg": "RS256"} if kid is None else {"kid": kid, "alg": "RS256"}
    with pytest.raises(InvalidToken):
        verify(forge(header, claims(), k.key), k.ring.verifier, NOW)


def test_resolver_returning_a_non_rsa_object_refused(k: Keys) -> None:
    token = sign(claims(), k.key, k.kid)
    with pytest.raises(InvalidToken):
        verify(token, lambda kid: b"not a key", NOW)  # type: ignore[arg-type,return-value]


def test_alg_none_refused_with_and_without_signature_part(k: Keys) -> None:
    head = b64url_json({"kid": k.kid, "alg": "none"})
    body = b64url_json(claims())
    for token in (f"{head}.{body}.", f"{head}.{body}", f"{head}.{body}.{b64url(b'x')}"):
        with pytest.raises(InvalidToken):
            verify(token, k.ring.verifier, NOW)
    # Even an otherwise valid RS256 signature does not help a header that says "none".
    with pytest.raises(InvalidToken):
        verify(forge({"kid": k.kid, "alg": "none"}, claims(), k.key), k.ring.verifier, NOW)


def test_hs256_key_confusion_refused(k: Keys) -> None:
    """The classic attack: HMAC the token with the server's PUBLIC key (PEM or JWK n) as secret."""
    public = k.ring.verifier(k.kid)
    assert public is not None
    from cryptography.hazmat.primitives import serialization

    secrets = [
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
        json.dumps(public_jwk(k.pem, k.kid)).encode(),
    ]
    head = b64url_json({"kid": k.kid, "alg": "HS256"})
    body = b64url_json(claims())
    for secret in secrets:
        mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        token = f"{head}.{body}.{b64url(mac)}"
        with pytest.raises(InvalidToken):
            verify(token, k.ring.verifier, NOW)
    # Asking for HMAC is a programming error, not a way in.
    with pytest.raises(ValueError):
        verify(token, k.ring.verifier, NOW, algorithms=("RS256", "HS256"))
    with pytest.raises(ValueError):
        verify(token, k.ring.verifier, NOW, algorithms=())


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256", "ES256", "HS512", "rs256", "RS256 ", 256])
def test_other_algorithms_refused(k: Keys, alg: Any) -> None:
    with pytest.raises(InvalidToken):
        verify(forge({"kid": k.kid, "alg": alg}, claims(), k.key), k.ring.verifier, NOW)


def test_expired_refused_with_injected_now(k: Keys) -> None:
    token = sign(claims(exp=int(NOW) + 10), k.key, k.kid)
    assert verify(token, k.ring.verifier, NOW + 9.999)["exp"] == int(NOW) + 10
    with pytest.raises(ExpiredToken):
        verify(token, k.ring.verifier, NOW + 10)  # exp is exclusive (RFC 7519 §4.1.4)
    with pytest.raises(ExpiredToken):
        verify(token, k.ring.verifier, NOW + 100_000)
    assert verify(token, k.ring.verifier, NOW + 10, leeway=5)
    with pytest.raises(ExpiredToken):
        verify(token, k.ring.verifier, NOW + 15, leeway=5)
    with pytest.raises(ValueError):
        verify(token, k.ring.verifier, NOW, leeway=-1)


def test_expired_check_happens_only_after_the_signature(k: Keys) -> None:
    head, _, sig = sign(claims(), k.key, k.kid).split(".")
    forged = f"{head}.{b64url_json(claims(exp=1))}.{sig}"
    with pytest.raises(InvalidToken) as info:
        verify(forged, k.ring.verifier, NOW)
    assert not isinstance(info.value, ExpiredToken)


@pytest.mark.parametrize(
    "bad",
    [
        {"exp": None},
        {"exp": "1800000000"},
        {"exp": True},
        {"exp": [1800000000]},
        {"iat": "1700000000"},
        {"iat": False},
        {"nbf": "0"},
    ],
)
def test_bad_time_claims_refused(k: Keys, bad: dict[str, Any]) -> None:
    body = claims()
    body.update(bad)
    if body.get("exp") is None:
        del body["exp"]
    with pytest.raises(InvalidToken):
        verify(sign(body, k.key, k.kid), k.ring.verifier, NOW)


def test_missing_exp_refused(k: Keys) -> None:
    body = claims()
    del body["exp"]
    with pytest.raises(InvalidToken) as info:
        verify(sign(body, k.key, k.kid), k.ring.verifier, NOW)
    assert not isinstance(info.value, ExpiredToken)


def test_huge_or_non_finite_exp(k: Keys) -> None:
    big = forge({"kid": k.kid, "alg": "RS256"}, b64url(b'{"exp":1' + b"0" * 400 + b"}"), k.key)
    assert verify(big, k.ring.verifier, NOW)["exp"] > 10**399
    for raw in (b'{"exp":1e400}', b'{"exp":NaN}', b'{"exp":Infinity}'):
        with pytest.raises(InvalidToken):
            verify(forge({"kid": k.kid, "alg": "RS256"}, b64url(raw), k.key), k.ring.verifier, NOW)


def test_float_times_and_nbf(k: Keys) -> None:
    assert verify(sign(claims(exp=NOW + 0.5, iat=NOW - 0.5), k.key, k.kid), k.ring.verifier, NOW)
    future = sign(claims(nbf=int(NOW) + 60), k.key, k.kid)
    with pytest.raises(InvalidToken):
        verify(future, k.ring.verifier, NOW)
    assert verify(future, k.ring.verifier, NOW + 60)
    assert verify(future, k.ring.verifier, NOW, leeway=60)


@pytest.mark.parametrize(
    "header",
    [
        b"not json",
        b"",
        b'"a string"',
        b"[1,2]",
        b"null",
        b'{"kid":"k","alg":"RS256"',
        b'{"alg":"RS256","alg":"none"}',
        b"\xff\xfe{}",
        b"{}",
    ],
)
def test_non_json_or_non_object_header_refused(k: Keys, header: bytes) -> None:
    token = forge(b64url(header), claims(), k.key)
    with pytest.raises(InvalidToken):
        verify(token, k.ring.verifier, NOW)
    with pytest.raises(InvalidToken):
        decode_unverified(token)


def test_duplicate_kid_member_refused(k: Keys) -> None:
    header = ('{"kid":"' + k.other_kid + '","kid":"' + k.kid + '","alg":"RS256"}').encode()
    with pytest.raises(InvalidToken):
        verify(forge(b64url(header), claims(), k.key), k.ring.verifier, NOW)


def test_crit_header_refused(k: Keys) -> None:
    token = forge({"kid": k.kid, "alg": "RS256", "crit": ["b64"], "b64": False}, claims(), k.key)
    with pytest.raises(InvalidToken):
        verify(token, k.ring.verifier, NOW)


@pytest.mark.parametrize("body", [b"[]", b'"claims"', b"42", b"not json", b'{"exp":1,"exp":2}'])
def test_non_object_claims_refused(k: Keys, body: bytes) -> None:
    token = forge({"kid": k.kid, "alg": "RS256"}, b64url(body), k.key)
    with pytest.raises(InvalidToken):
        verify(token, k.ring.verifier, NOW)


@pytest.mark.parametrize("parts", [1, 2, 4, 5])
def test_wrong_part_count_refused(k: Keys, parts: int) -> None:
    pieces = sign(claims(), k.key, k.kid).split(".")
    token = ".".join((pieces * 2)[:parts])
    with pytest.raises(InvalidToken):
        verify(token, k.ring.verifier, NOW)
    with pytest.raises(InvalidToken):
        decode_unverified(token)


def test_bad_base64url_refused(k: Keys) -> None:
    head, body, sig = sign(claims(), k.key, k.kid).split(".")
    assert len(sig) == 342  # 256 bytes: unpadded base64url
    std_head = base64.b64encode(b64url_decode(head)).decode()
    assert std_head != head  # 68-byte header: standard form carries "=" padding
    variants = [
        f"{head}.{body}.{sig}==",  # padding is not allowed in JWS
        f"{std_head}.{body}.{sig}",  # standard alphabet / padding in the header
        f"{head}.{body}.{sig[:-1]}!",  # outside the alphabet
        f"{head}.{body}.{sig[:-1]}+",
        f"{head}.{body} .{sig}",  # whitespace
        f" {head}.{body}.{sig}",
        f"{head}.{body}.{sig}\n",
        f"{head}.{body}.{sig}AAA",  # length % 4 == 1
        f"{head}.{body}.{sig}A",  # decodes, but to a wrong-length signature
    ]
    for token in variants:
        with pytest.raises(InvalidToken):
            verify(token, k.ring.verifier, NOW)


def test_non_canonical_base64url_refused(k: Keys) -> None:
    # Same bytes, different spelling (non-zero unused bits) must not verify: one token, one form.
    head, body, sig = sign(claims(), k.key, k.kid).split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    assert len(sig) % 4 != 0  # 256 bytes -> 342 chars, 4 unused bits in the last char
    last = alphabet.index(sig[-1])
    twin = sig[:-1] + alphabet[last | 1]
    assert b64url_decode(twin) == b64url_decode(sig) and twin != sig
    with pytest.raises(InvalidToken):
        verify(f"{head}.{body}.{twin}", k.ring.verifier, NOW)


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "..",
        "a.b.c",
        "x" * 10_000_000,
        ".".join(["A" * 3_000_000] * 3),
        "é.é.é",
        "\x00.\x00.\x00",
    ],
)
def test_garbage_refused(k: Keys, token: str) -> None:
    with pytest.raises(InvalidToken):
        verify(token, k.ring.verifier, NOW)
    with pytest.raises(InvalidToken):
        decode_unverified(token)


def test_deeply_nested_json_refused(k: Keys) -> None:
    body = b64url(b"[" * 40_000 + b"]" * 40_000)
    with pytest.raises(InvalidToken):
        decode_unverified(f"{b64url_json({'alg': 'RS256'})}.{body}.")


@pytest.mark.parametrize("token", [None, b"a.b.c", 3])
def test_non_string_refused(k: Keys, token: Any) -> None:
    with pytest.raises(InvalidToken):
        verify(token, k.ring.verifier, NOW)


def test_extra_header_fields_allowed(k: Keys) -> None:
    # PyJWT and others add "typ": "JWT"; that is harmless.
    token = forge({"kid": k.kid, "alg": "RS256", "typ": "JWT"}, claims(), k.key)
    assert verify(token, k.ring.verifier, NOW) == claims()


def test_does_not_check_iss_aud_or_token_use(k: Keys) -> None:
    body = claims(iss="https://elsewhere.example", aud="someone-else", token_use="refresh")
    assert verify(sign(body, k.key, k.kid), k.ring.verifier, NOW) == body


def test_sign_refuses_non_finite_and_non_rsa(k: Keys) -> None:
    with pytest.raises(ValueError):
        sign(claims(exp=float("nan")), k.key, k.kid)
    with pytest.raises(TypeError):
        sign(claims(), b"pem", k.kid)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"name": "Zoë \u2028 \"q\" \\ 🙂", "custom:n": "1"},
        {"big": 2**70},  # beyond orjson's 64 bits: written by json
        {"groups": ["a", "b"], "nested": {"x": [1, 2.5, None, True]}},
        {"email": "null@example.com", "maybe": None},  # "null" in the output: written again by json
    ],
)
def test_signed_claims_are_the_bytes_json_writes(k: Keys, extra: dict[str, Any]) -> None:
    body = claims(**extra)
    token = sign(body, k.key, k.kid)
    expected = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    assert base64.urlsafe_b64decode(token.split(".")[1] + "==") == expected


def test_sign_refuses_what_json_cannot_write(k: Keys) -> None:
    for bad in ({"x": [1, float("inf")]}, {"x": {"y": float("-inf")}}, {"x": float("nan")}):
        with pytest.raises(ValueError):
            sign(claims(**bad), k.key, k.kid)
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate has no UTF-8
        sign(claims(lone="\ud800"), k.key, k.kid)


def test_integer_too_long_for_python_refused(k: Keys) -> None:
    raw = b'{"exp":1' + b"0" * 5000 + b"}"  # beyond int max_str_digits: a ValueError inside json
    with pytest.raises(InvalidToken):
        verify(forge({"kid": k.kid, "alg": "RS256"}, b64url(raw), k.key), k.ring.verifier, NOW)
