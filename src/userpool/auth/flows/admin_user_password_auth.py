"""ADMIN_USER_PASSWORD_AUTH and its legacy name ADMIN_NO_SRP_AUTH (AdminInitiateAuth only):
the same password check as USER_PASSWORD_AUTH, called from a trusted back end (spec §3.1)."""

from __future__ import annotations

from userpool.auth.flows.user_password_auth import UserPasswordAuthFlow


class AdminUserPasswordAuthFlow(UserPasswordAuthFlow):
    names = ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")
    public = False
    admin = True
    enabled_by = ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")
