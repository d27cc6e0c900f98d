"""Benchmark harness: userpool against moto and cognito-local on loopback.

Run ``.venv/bin/python -m bench`` (see ``bench/README.md``).
"""
