"""RS256 signing keys: generation, RFC 7638 kids, RFC 7517 JWKs, and the KeyRing cache."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from userpool.crypto.keys import KeyRing, generate_private_pem, kid_for, public_jwk


@pytest.fixture(scope="module")
def pem() -> bytes:
    return generate_private_pem()


@pytest.fixture(scope="module")
def other_pem() -> bytes:
    return generate_private_pem()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_generated_key_is_unencrypted_pkcs8_rsa_2048_e65537(pem: bytes) -> None:
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, not "BEGIN RSA PRIVATE KEY"
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size == 2048
    assert key.public_key().public_numbers().e == 65537


def test_kid_is_stable_across_reloads_and_forms(pem: bytes) -> None:
    kid = kid_for(pem)
    reloaded = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(reloaded, rsa.RSAPrivateKey)
    public_pem = reloaded.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert kid_for(bytes(pem)) == kid
    assert kid_for(reloaded) == kid
    assert kid_for(reloaded.public_key()) == kid
    assert kid_for(public_pem) == kid


def test_kid_looks_like_cognito_and_is_the_rfc7638_thumbprint(pem: bytes) -> None:
    kid = kid_for(pem)
    assert len(kid) == 44 and kid.endswith("=")
    digest = base64.b64decode(kid, validate=True)
    jwk = public_jwk(pem, kid)
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    assert digest == hashlib.sha256(canonical.encode()).digest()


def test_kid_matches_rfc7638_section_3_1_example() -> None:
    # The RSA key and thumbprint of RFC 7638 §3.1 (base64url there; standard base64 here).
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
        "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY"
        "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
        "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    numbers = rsa.RSAPublicNumbers(65537, int.from_bytes(_b64url_decode(n), "big"))
    expected = _b64url_decode("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    assert base64.b64decode(kid_for(numbers.public_key())) == expected


def test_different_keys_have_different_kids(pem: bytes, other_pem: bytes) -> None:
    assert kid_for(pem) != kid_for(other_pem)


def test_kid_refuses_non_rsa_keys() -> None:
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError):
        kid_for(ec_pem)


def test_public_jwk_has_exactly_the_cognito_fields(pem: bytes) -> None:
    kid = kid_for(pem)
    jwk = public_jwk(pem, kid)
    assert list(jwk) == ["alg", "e", "kid", "kty", "n", "use"]
    assert jwk["alg"] == "RS256" and jwk["kty"] == "RSA" and jwk["use"] == "sig"
    assert jwk["e"] == "AQAB" and jwk["kid"] == kid
    assert "=" not in jwk["n"] and "+" not in jwk["n"] and "/" not in jwk["n"]
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    n_bytes = _b64url_decode(jwk["n"])
    assert len(n_bytes) == 256 and n_bytes[0] != 0  # minimal big-endian encoding
    assert int.from_bytes(n_bytes, "big") == key.public_key().public_numbers().n
    # An independent JWK parser reads the same public key.
    parsed = pyjwt.PyJWK(jwk).key
    assert isinstance(parsed, rsa.RSAPublicKey)
    assert parsed.public_numbers() == key.public_key().public_numbers()


def test_keyring_signer_and_verifier(pem: bytes, other_pem: bytes) -> None:
    ring = KeyRing()
    kid = kid_for(pem)
    assert ring.verifier(kid) is None
    assert kid not in ring
    with pytest.raises(KeyError):
        ring.signer(kid)
    ring.add(kid, pem)
    ring.add(kid_for(other_pem), other_pem)
    assert kid in ring
    signer = ring.signer(kid)
    verifier = ring.verifier(kid)
    assert verifier is not None
    assert signer.public_key().public_numbers() == verifier.public_numbers()
    assert verifier.public_numbers() != ring.verifier(kid_for(other_pem)).public_numbers()  # type: ignore[union-attr]


def test_keyring_add_is_idempotent_and_loads_each_pem_once(
    pem: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bytes] = []
    real_load = serialization.load_pem_private_key

    def counting_load(data: bytes, password: bytes | None, **options: bool) -> object:
        calls.append(data)
        return real_load(data, password=password, **options)

    monkeypatch.setattr("userpool.crypto.keys.load_pem_private_key", counting_load)
    ring = KeyRing()
    kid = kid_for(serialization.load_pem_private_key(pem, password=None))  # type: ignore[arg-type]
    ring.add(kid, pem)
    first_signer, first_verifier = ring.signer(kid), ring.verifier(kid)
    ring.add(kid, bytes(pem))
    ring.add(kid, pem)
    assert len(calls) == 1
    assert ring.signer(kid) is first_signer
    assert ring.verifier(kid) is first_verifier


def test_keyring_refuses_a_different_key_under_a_used_kid(pem: bytes, other_pem: bytes) -> None:
    ring = KeyRing()
    ring.add("k1", pem)
    with pytest.raises(ValueError):
        ring.add("k1", other_pem)
    assert ring.verifier("k1").public_numbers() == ring.signer("k1").public_key().public_numbers()  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        ring.add("", pem)


def test_keyring_same_key_in_another_pem_spelling_is_the_same_key(pem: bytes) -> None:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    traditional = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    ring = KeyRing()
    ring.add("k1", pem)
    signer = ring.signer("k1")
    ring.add("k1", traditional)
    assert ring.signer("k1") is signer


def test_keyring_concurrent_adds_and_reads(pem: bytes, other_pem: bytes) -> None:
    from userpool.crypto.jwt import sign, verify

    ring = KeyRing()
    pems = {kid_for(pem): pem, kid_for(other_pem): other_pem}
    start = threading.Barrier(16)

    def work(i: int) -> tuple[int, int]:
        kid = list(pems)[i % 2]
        start.wait()
        ring.add(kid, pems[kid])
        token = sign({"n": i, "exp": 2_000_000_000}, ring.signer(kid), kid)
        claims = verify(token, ring.verifier, now=1_000_000_000)
        return id(ring.signer(kid)), claims["n"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(work, range(64)))
    assert [n for _, n in results] == list(range(64))
    # Every thread ended up using the same loaded object per kid.
    assert len({signer_id for signer_id, _ in results}) == 2
