"""unittest users (and scripts) use the same server through the context manager."""

import unittest

from userpool.testing import UserpoolServer


class ForgotPasswordTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = UserpoolServer(region="eu-west-1").start()
        cls.addClassCleanup(cls.server.stop)

    def setUp(self):
        self.server.messages.clear()  # this test's messages only

    def test_reset_code(self):
        idp = self.server.client()
        pool = idp.create_user_pool(PoolName="u")["UserPool"]["Id"]
        self.assertTrue(pool.startswith("eu-west-1_"))
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="c")["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="cy", MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": "cy@example.com"}, {"Name": "email_verified", "Value": "true"}])
        idp.admin_set_user_password(UserPoolId=pool, Username="cy", Password="Correct-Horse-9", Permanent=True)
        idp.forgot_password(ClientId=client, Username="cy")
        code = self.server.messages.last_code("cy", "FORGOT_PASSWORD")
        idp.confirm_forgot_password(ClientId=client, Username="cy", ConfirmationCode=code, Password="Other-Horse-8")
        with self.assertRaises(idp.exceptions.ExpiredCodeException):  # a code works once
            idp.confirm_forgot_password(ClientId=client, Username="cy", ConfirmationCode=code, Password="Third-Horse-7")


def script():
    """A script: the same server, as a context manager."""
    with UserpoolServer() as server:
        idp = server.client()
        pool = idp.create_user_pool(PoolName="script")["UserPool"]["Id"]
        idp.admin_create_user(UserPoolId=pool, Username="eve", DesiredDeliveryMediums=["EMAIL"],
                              UserAttributes=[{"Name": "email", "Value": "eve@example.com"}])
        return server.messages.last_code("eve", "ADMIN_CREATE_USER"), server.data_dir


class ScriptTest(unittest.TestCase):
    def test_context_manager(self):
        password, data_dir = script()
        self.assertTrue(password)
        self.assertFalse(data_dir.exists())  # the throw-away database is gone
