"""How an application's own tests use userpool: the plugin's fixtures, no setup code."""

SNS = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "sample-app"}


def test_sign_up_confirm_and_sign_in(cognito_idp, userpool_messages):
    pool = cognito_idp.create_user_pool(PoolName="app", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client = cognito_idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    cognito_idp.sign_up(ClientId=client, Username="alice", Password="Correct-Horse-9",
                        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
    code = userpool_messages.last_code("alice", "SIGN_UP")
    assert [m.code for m in userpool_messages.to("alice@example.com")] == [code]
    cognito_idp.confirm_sign_up(ClientId=client, Username="alice", ConfirmationCode=code)
    tokens = cognito_idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "alice", "PASSWORD": "Correct-Horse-9"})["AuthenticationResult"]
    assert cognito_idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"


def test_messages_are_per_test(userpool_messages):
    assert userpool_messages.all() == []


def test_invitation_carries_the_temporary_password(cognito_idp, userpool_messages, userpool_server):
    pool = cognito_idp.create_user_pool(PoolName="staff")["UserPool"]["Id"]
    client = cognito_idp.create_user_pool_client(
        UserPoolId=pool, ClientName="admin", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    cognito_idp.admin_create_user(UserPoolId=pool, Username="bob", DesiredDeliveryMediums=["EMAIL"],
                                  UserAttributes=[{"Name": "email", "Value": "bob@example.com"}])
    invitation = userpool_messages.last(destination="bob@example.com")
    assert invitation.purpose == "ADMIN_CREATE_USER" and invitation.pool_id == pool
    answer = cognito_idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "bob", "PASSWORD": invitation.code})
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert userpool_server.url.startswith("http://127.0.0.1:")


def test_sms_mfa_code(cognito_idp, userpool_messages):
    pool = cognito_idp.create_user_pool(PoolName="mfa", SmsConfiguration=SNS)["UserPool"]["Id"]
    cognito_idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="ON", SmsMfaConfiguration={
        "SmsAuthenticationMessage": "Your sign-in code is {####}", "SmsConfiguration": SNS})
    client = cognito_idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    cognito_idp.admin_create_user(UserPoolId=pool, Username="dan", MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "phone_number", "Value": "+15555550100"}, {"Name": "phone_number_verified", "Value": "true"}])
    cognito_idp.admin_set_user_password(UserPoolId=pool, Username="dan", Password="Correct-Horse-9", Permanent=True)
    cognito_idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="dan",
                                              SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge = cognito_idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "dan", "PASSWORD": "Correct-Horse-9"})
    assert challenge["ChallengeName"] == "SMS_MFA"
    code = userpool_messages.last_code("dan", "MFA", destination="+15555550100")
    tokens = cognito_idp.respond_to_auth_challenge(
        ClientId=client, ChallengeName="SMS_MFA", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "dan", "SMS_MFA_CODE": code})["AuthenticationResult"]
    assert tokens["AccessToken"]
