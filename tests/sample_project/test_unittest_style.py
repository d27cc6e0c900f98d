"""unittest users (and scripts) use the same server through the context manager."""

import unittest

from userpool.testing import UserpoolServer


class SignInTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = UserpoolServer().start()
        cls.addClassCleanup(cls.server.stop)

    def test_forgot_password_code(self):
        idp = self.server.client()
        pool = idp.create_user_pool(PoolName="u")["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="c")["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="cy", MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": "cy@example.com"}, {"Name": "email_verified", "Value": "true"}])
        idp.admin_set_user_password(UserPoolId=pool, Username="cy", Password="Correct-Horse-9", Permanent=True)
        idp.forgot_password(ClientId=client, Username="cy")
        code = self.server.messages.last_code("cy", "FORGOT_PASSWORD")
        idp.confirm_forgot_password(ClientId=client, Username="cy", ConfirmationCode=code, Password="Other-Horse-8")
