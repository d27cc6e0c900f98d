"""Testing an application against a real userpool server: ``UserpoolServer`` (a context manager
that runs ``userpool serve`` on a free port with a throw-away SQLite database), ``Messages`` (the
codes and messages it sent), and the pytest plugin (``pytest_plugin``: the ``userpool_server``,
``cognito_idp`` and ``userpool_messages`` fixtures), installed with the package.

It drives the server as users run it — a separate process, the same command — and reads only what
that server writes for developers (its outbox of messages); nothing in it reaches the server's
internals.
"""

from userpool.testing.messages import Message, Messages
from userpool.testing.server import UserpoolServer

__all__ = ["Message", "Messages", "UserpoolServer"]
