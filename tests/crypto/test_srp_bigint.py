"""userpool.crypto.bigint: powmod backends and the fixed-base table agree (spec §4.6 arithmetic)."""

from __future__ import annotations

import random

import pytest

from userpool.crypto import bigint, srp

BACKENDS = ["python", "gmpy2"] if bigint.gmpy2_available() else ["python"]
POWMOD = {"python": bigint.powmod_python, "gmpy2": bigint.powmod_gmpy2}


def test_backend_reports_what_is_installed() -> None:
    assert ("gmpy2" if bigint.gmpy2_available() else "python") == bigint.BACKEND
    assert bigint.powmod is POWMOD[bigint.BACKEND]


@pytest.mark.parametrize("backend", BACKENDS)
def test_powmod_backends_agree_with_pow(backend: str) -> None:
    rng = random.Random(7)
    for _ in range(20):
        base, exp = rng.randrange(srp.N), rng.getrandbits(rng.choice([1, 64, 256, 1024, 3072]))
        result = POWMOD[backend](base, exp, srp.N)
        assert type(result) is int
        assert result == pow(base, exp, srp.N)


@pytest.mark.parametrize("backend", BACKENDS)
def test_powmod_rejects_negative_exponent_and_tiny_modulus(backend: str) -> None:
    with pytest.raises(ValueError):
        POWMOD[backend](2, -1, srp.N)
    with pytest.raises(ValueError):
        POWMOD[backend](2, 5, 1)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("window", [1, 4, 5, 6, 7])
def test_fixed_base_equals_powmod(backend: str, window: int) -> None:
    table = bigint.FixedBase(srp.G, srp.N, 256, window=window, backend=backend)
    assert table.backend == backend
    rng = random.Random(window)
    exponents = [0, 1, 2, 3, (1 << 256) - 1, 1 << 255, 1 << 256, (1 << 256) + 1, srp.N - 1, srp.N]
    exponents += [rng.getrandbits(bits) for bits in (8, 64, 200, 255, 256, 256, 256, 512, 1024)]
    for e in exponents:
        result = table.pow(e)
        assert type(result) is int
        assert result == POWMOD[backend](srp.G, e, srp.N) == pow(srp.G, e, srp.N), e


@pytest.mark.parametrize("backend", BACKENDS)
def test_fixed_base_many_random_exponents(backend: str) -> None:
    table = bigint.FixedBase(srp.G, srp.N, 256, backend=backend)
    rng = random.Random(11)
    for _ in range(200 if backend == "gmpy2" else 60):
        e = rng.getrandbits(256)
        assert table.pow(e) == POWMOD[backend](srp.G, e, srp.N)


def test_fixed_base_other_base_and_small_modulus() -> None:
    for backend in BACKENDS:
        table = bigint.FixedBase(3, 1009, 20, window=3, backend=backend)
        for e in range(0, 1 << 12, 37):
            assert table.pow(e) == pow(3, e, 1009)
        assert table.pow(1 << 40) == pow(3, 1 << 40, 1009)  # wider than exp_bits: falls back


def test_fixed_base_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        bigint.FixedBase(2, srp.N, 256, backend="fortran")
    with pytest.raises(ValueError):
        bigint.FixedBase(2, 1, 256)
    with pytest.raises(ValueError):
        bigint.FixedBase(2, srp.N, 0)
    with pytest.raises(ValueError):
        bigint.FixedBase(2, srp.N, 256, window=13)
    with pytest.raises(ValueError):
        bigint.FixedBase(2, srp.N, 256).pow(-1)


def test_srp_results_do_not_depend_on_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SRP functions give the same verifier and key whichever backend does the arithmetic."""
    salt, a, b = b"\x0f" * 16, int("a1" * 32, 16), int("b2" * 32, 16)
    results = []
    for backend in BACKENDS:
        monkeypatch.setattr(srp, "powmod", POWMOD[backend])
        monkeypatch.setattr(
            srp, "_generator_table", lambda backend=backend: bigint.FixedBase(2, srp.N, 256, backend=backend)
        )
        verifier = srp.make_verifier("AbCdEfGhI", "testuser", "P@ssw0rd!", salt)
        b_pub = srp.server_b(verifier, b)
        results.append((verifier, b_pub, srp.session_key(srp.client_a(a), b_pub, b, verifier)))
    assert all(r == results[0] for r in results)
    assert results[0][2].hex() == "10ea9f095e221326d2df01ae4d4be803"
