"""How an application's own tests use userpool: the plugin's fixtures, no setup code."""


def test_sign_up_confirm_and_sign_in(cognito_idp, userpool_messages):
    pool = cognito_idp.create_user_pool(PoolName="app", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client = cognito_idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    cognito_idp.sign_up(ClientId=client, Username="alice", Password="Correct-Horse-9",
                        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
    code = userpool_messages.last_code("alice", "SIGN_UP")
    assert userpool_messages.to("alice@example.com")[-1].code == code
    cognito_idp.confirm_sign_up(ClientId=client, Username="alice", ConfirmationCode=code)
    tokens = cognito_idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "alice", "PASSWORD": "Correct-Horse-9"})["AuthenticationResult"]
    assert cognito_idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"


def test_messages_are_per_test(userpool_messages):
    assert userpool_messages.all() == []


def test_invitation_carries_the_temporary_password(cognito_idp, userpool_messages, userpool_server):
    pool = cognito_idp.create_user_pool(PoolName="staff")["UserPool"]["Id"]
    cognito_idp.admin_create_user(UserPoolId=pool, Username="bob", DesiredDeliveryMediums=["EMAIL"],
                                  UserAttributes=[{"Name": "email", "Value": "bob@example.com"}])
    assert userpool_messages.last(destination="bob@example.com").code
    assert userpool_server.url.startswith("http://127.0.0.1:")
