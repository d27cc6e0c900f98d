"""Modular exponentiation for SRP-6a (spec §4.1, §4.6): gmpy2 when importable, else Python ints.

Two primitives:

- ``powmod(base, exp, mod)``: general modular exponentiation. ``BACKEND`` says which
  implementation is active ("gmpy2" or "python"); ``powmod_gmpy2`` and ``powmod_python`` are
  exported so tests and benchmarks can pin one.
- ``FixedBase(g, N, exp_bits)``: fixed-base windowed exponentiation (Yao / BGMW). For each
  ``w``-bit digit position ``i`` it precomputes ``g^(d·2^(w·i)) mod N`` for every digit ``d``, so
  ``g^e`` is a product of one table entry per non-zero digit: about ``exp_bits / w`` modular
  multiplications and no squarings. SRP's generator ``g = 2`` never changes, so the table is
  built once per process.

Measured (bench/srp_micro.py, AMD EPYC, CPython 3.11, gmpy2 2.3.2, 3072-bit N, 256-bit exponent,
median µs per g^e):

    =====================================  =======
    Python pow(2, e, N)                     5 100
    gmpy2.powmod(2, e, N)                     630
    gmpy2.powmod_sec(2, e, N)               1 200
    FixedBase, python ints, w = 6             930
    FixedBase, gmpy2 mpz, w = 4               200
    FixedBase, gmpy2 mpz, w = 6 (default)     133
    FixedBase, gmpy2 mpz, w = 7               116
    =====================================  =======

The table wins on both backends (about 4.7x over gmpy2.powmod, 5.5x over Python pow), so SRP
uses it by default for every ``g^x`` / ``g^b`` whose exponent fits ``exp_bits``. ``w = 6`` costs
~1 MB and ~10 ms to build; ``w = 7`` gains another 13 % for 1.8 MB and ``w = 8`` is no faster
(cache misses). Exponents longer than ``exp_bits`` fall back to ``powmod``.

Neither GMP's ``mpz_powm``, Python's ``pow`` nor the table lookups are constant-time; the
secrets involved are ephemeral (``b``) or supplied by the caller (``x`` of a password being
checked), and network timing noise dwarfs the variation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:  # gmpy2 is a declared dependency, but the module must work without it.
    import gmpy2 as _gmpy2
except ImportError:  # pragma: no cover - exercised only on installs without gmpy2
    _gmpy2 = None

__all__ = ["BACKEND", "FixedBase", "gmpy2_available", "powmod", "powmod_gmpy2", "powmod_python"]

DEFAULT_WINDOW_BITS = 6


def gmpy2_available() -> bool:
    """Whether the gmpy2 backend can be used (spec §4.6: the server's modular exponentiations)."""
    return _gmpy2 is not None


def _check(exp: int, mod: int) -> None:
    if exp < 0:
        raise ValueError("negative exponent")
    if mod < 2:
        raise ValueError("modulus must be at least 2")


def powmod_python(base: int, exp: int, mod: int) -> int:
    """``base^exp mod mod`` with Python's built-in ``pow`` (spec §4.6, pure-Python backend)."""
    _check(exp, mod)
    return pow(base, exp, mod)


def powmod_gmpy2(base: int, exp: int, mod: int) -> int:
    """``base^exp mod mod`` with ``gmpy2.powmod`` (spec §4.6, GMP backend); RuntimeError without gmpy2."""
    if _gmpy2 is None:
        raise RuntimeError("gmpy2 is not installed")
    _check(exp, mod)
    return int(_gmpy2.powmod(base, exp, mod))


BACKEND: str = "gmpy2" if _gmpy2 is not None else "python"
powmod: Callable[[int, int, int], int] = powmod_gmpy2 if _gmpy2 is not None else powmod_python


class FixedBase:
    """Fixed-base windowed exponentiation ``g^e mod N`` for ``0 <= e < 2^exp_bits`` (spec §4.6).

    ``backend`` is "gmpy2" or "python" (default: ``BACKEND``); results are identical to
    ``powmod`` of the same backend. Exponents wider than ``exp_bits`` are delegated to it.
    """

    def __init__(
        self,
        g: int,
        N: int,
        exp_bits: int,
        *,
        window: int = DEFAULT_WINDOW_BITS,
        backend: str | None = None,
    ) -> None:
        backend = BACKEND if backend is None else backend
        if backend not in ("gmpy2", "python"):
            raise ValueError(f"unknown backend {backend!r}")
        if backend == "gmpy2" and _gmpy2 is None:
            raise RuntimeError("gmpy2 is not installed")
        if N < 2 or exp_bits < 1 or not 1 <= window <= 12:
            raise ValueError("need N >= 2, exp_bits >= 1 and 1 <= window <= 12")
        self.base = g
        self.modulus = N
        self.exp_bits = exp_bits
        self._backend = backend
        self._window = window
        self._mask = (1 << window) - 1
        self._powmod = powmod_gmpy2 if backend == "gmpy2" else powmod_python
        convert: Callable[[int], Any] = _gmpy2.mpz if backend == "gmpy2" and _gmpy2 is not None else int
        mod = convert(N)
        self._mod = mod
        rows: list[list[Any]] = []
        step = convert(g % N)  # g^(2^(w·i)) for the current row i
        for _ in range(-(-exp_bits // window)):
            row = [convert(1), step]
            for _ in range(2, 1 << window):
                row.append(row[-1] * step % mod)
            rows.append(row)
            step = row[-1] * step % mod
        self._rows = rows

    @property
    def backend(self) -> str:
        """The arithmetic backend of the table ("gmpy2" or "python")."""
        return self._backend

    def pow(self, e: int) -> int:
        """``g^e mod N`` (spec §4.6): one multiplication per non-zero window digit of ``e``."""
        if e < 0:
            raise ValueError("negative exponent")
        if e >> self.exp_bits:
            return self._powmod(self.base, e, self.modulus)
        mask, window, mod = self._mask, self._window, self._mod
        result: Any = None
        for row in self._rows:
            digit = e & mask
            if digit:
                result = row[digit] if result is None else result * row[digit] % mod
            e >>= window
        return 1 if result is None else int(result)
