// Drives amazon-cognito-identity-js (unmodified, from the npm registry) against a userpool server,
// one CognitoUser call per command (driver.mjs). Configuration line: {endpoint, poolId, clientId}.
// Sign-in calls answer with the callback the library called next, {callback, args}:
//   {"op": "authenticateUser", "username", "password", "flow"?}
//   {"op": "initiateAuth", "username", "clientMetadata"?}  (CUSTOM_AUTH without a password)
//   {"op": "sendCustomChallengeAnswer", "answer", "clientMetadata"?}
//   {"op": "sendMFACode", "code", "mfaType"?}            (mfaType: SMS_MFA (the default) or SOFTWARE_TOKEN_MFA)
//   {"op": "sendMFASelectionAnswer", "answer"}
//   {"op": "completeNewPasswordChallenge", "password"}
//   {"op": "associateSoftwareToken"}                      (with the sign-in Session, or the signed-in user's token)
//   {"op": "verifySoftwareToken", "code", "friendlyName"}
// onSuccess reports the tokens (or VerifySoftwareToken's answer when signed in), onFailure the
// error as {name, code, message}. Calls of a signed-in user answer their node-style callback's result:
//   {"op": "setUserMfaPreference", "sms": {...}|null, "totp": {...}|null}, {"op": "getUserData"},
//   and the legacy SMS switch: {"op": "enableMFA"}, {"op": "disableMFA"}, {"op": "getMFAOptions"}.
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import { failure, serve } from './driver.mjs';

function tokens(session) {
  return {
    idToken: session.getIdToken().getJwtToken(),
    accessToken: session.getAccessToken().getJwtToken(),
    refreshToken: session.getRefreshToken().getToken(),
  };
}

// The callbacks object CognitoUser calls back into; each call settles the command in progress.
function callbacks(settle) {
  const report = (callback) => (...args) => settle({ callback, args });
  return {
    onSuccess: (result) => settle({
      callback: 'onSuccess', args: [typeof result?.getIdToken === 'function' ? tokens(result) : result],
    }),
    onFailure: (error) => settle({ callback: 'onFailure', args: [failure(error)] }),
    newPasswordRequired: report('newPasswordRequired'),
    mfaRequired: report('mfaRequired'),
    totpRequired: report('totpRequired'),
    selectMFAType: report('selectMFAType'),
    mfaSetup: report('mfaSetup'),
    customChallenge: report('customChallenge'),
    associateSecretCode: report('associateSecretCode'),
  };
}

await serve(async ({ endpoint, poolId, clientId }) => {
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });
  let user = null;
  // Runs one library call and answers with the first callback it makes.
  const next = (start) => new Promise((resolve) => { start(callbacks(resolve)); });
  const nodeStyle = (start) => new Promise((resolve, reject) => {
    start((error, result) => (error ? reject(error) : resolve(result)));
  });
  return {
    authenticateUser: ({ username, password, flow }) => {
      user = new CognitoUser({ Username: username, Pool: pool });
      if (flow) user.setAuthenticationFlowType(flow);
      const details = new AuthenticationDetails({ Username: username, Password: password });
      return next((cb) => user.authenticateUser(details, cb));
    },
    initiateAuth: ({ username, clientMetadata }) => {
      user = new CognitoUser({ Username: username, Pool: pool });
      const details = new AuthenticationDetails({ Username: username, ClientMetadata: clientMetadata });
      return next((cb) => user.initiateAuth(details, cb));
    },
    sendCustomChallengeAnswer: ({ answer, clientMetadata }) => next(
      (cb) => user.sendCustomChallengeAnswer(answer, cb, clientMetadata)),
    sendMFACode: ({ code, mfaType }) => next((cb) => user.sendMFACode(code, cb, mfaType)),
    sendMFASelectionAnswer: ({ answer }) => next((cb) => user.sendMFASelectionAnswer(answer, cb)),
    completeNewPasswordChallenge: ({ password }) => next((cb) => user.completeNewPasswordChallenge(password, {}, cb)),
    associateSoftwareToken: () => next((cb) => user.associateSoftwareToken(cb)),
    verifySoftwareToken: ({ code, friendlyName }) => next((cb) => user.verifySoftwareToken(code, friendlyName, cb)),
    setUserMfaPreference: ({ sms, totp }) => nodeStyle((cb) => user.setUserMfaPreference(sms, totp, cb)),
    getUserData: () => nodeStyle((cb) => user.getUserData(cb, { bypassCache: true })),
    enableMFA: () => nodeStyle((cb) => user.enableMFA(cb)),
    disableMFA: () => nodeStyle((cb) => user.disableMFA(cb)),
    getMFAOptions: () => nodeStyle((cb) => user.getMFAOptions(cb)),
  };
});
