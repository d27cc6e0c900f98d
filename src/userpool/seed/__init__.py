"""Declarative seed files (``userpool serve --seed FILE``) and ``userpool export`` (issue 15).

A seed file (JSON, or YAML when it ends in .yaml / .yml) lists pools in Cognito's own shapes::

    pools:
      - Id: us-east-1_Example01          # optional: a fixed ID (the server's region, 9 letters / digits)
        PoolName: app                    # CreateUserPool's members, as the API takes them
        AutoVerifiedAttributes: [email]
        MfaConfig:                       # optional: SetUserPoolMfaConfig's members
          MfaConfiguration: OPTIONAL
          SoftwareTokenMfaConfiguration: {Enabled: true}
        clients:                         # CreateUserPoolClient's members (ClientSecret too), + ClientId
          - ClientName: web
            ClientId: 4example4client4id4fixed4x  # optional: fixed (26 lower-case letters / digits)
            ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
        groups:                          # CreateGroup's members
          - GroupName: admins
            Precedence: 1
        users:
          - Username: alice
            Sub: 0b9ee3a2-5b3e-4d43-9f6b-4c1f4f3a8e21     # optional: a fixed sub
            Attributes: {email: alice@example.com, email_verified: true}   # or [{Name, Value}]
            Password: Correct-Horse-9    # permanent; or TemporaryPassword (FORCE_CHANGE_PASSWORD)
            Groups: [admins]
            Enabled: true
            MfaPreference: {SMSMfaSettings: {Enabled: true}}  # AdminSetUserMFAPreference's members

Every entry is checked by the code the API runs (``document`` for what needs no database,
``apply`` for the rest), then everything is written in one transaction: a file with any wrong
entry changes nothing, and the error names the entry
(``pools[0].users[3] (Username "alice"): InvalidPasswordException: ...``). Applying creates what
is missing and changes nothing that exists, so a restart with the same file changes nothing.
``export`` writes a store in the same format.
"""

from userpool.seed.apply import Applied, Progress, apply
from userpool.seed.document import Document, SeedError, load, parse
from userpool.seed.export import dump, export
from userpool.seed.progress import printer

__all__ = ["Applied", "Document", "Progress", "SeedError", "apply", "dump", "export", "load", "parse", "printer"]
