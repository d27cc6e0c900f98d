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
// Devices (the library confirms a new device by itself after a sign-in and keeps its key and
// password in the pool's storage, here a Map the test can read and change):
//   {"op": "setDeviceStatusRemembered"}, {"op": "setDeviceStatusNotRemembered"}, {"op": "getDevice"},
//   {"op": "listDevices", "limit", "paginationToken"?}, {"op": "forgetDevice"},
//   {"op": "forgetSpecificDevice", "deviceKey"}, {"op": "storage"}, {"op": "setStorageItem", "key", "value"},
//   {"op": "getSession"} (refreshes the tokens through the cached refresh token when they expired).
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
    onSuccess: (result, userConfirmationNecessary) => settle({
      callback: 'onSuccess',
      args: [typeof result?.getIdToken === 'function' ? tokens(result) : result,
        ...(userConfirmationNecessary === undefined ? [] : [userConfirmationNecessary])],
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
  // The library's storage interface over a Map, so the test can see and change what it keeps.
  const kept = new Map();
  const Storage = {
    setItem: (key, value) => { kept.set(key, String(value)); },
    getItem: (key) => (kept.has(key) ? kept.get(key) : null),
    removeItem: (key) => { kept.delete(key); },
    clear: () => { kept.clear(); },
  };
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint, Storage });
  let user = null;
  // Runs one library call and answers with the first callback it makes.
  const next = (start) => new Promise((resolve) => { start(callbacks(resolve)); });
  const nodeStyle = (start) => new Promise((resolve, reject) => {
    start((error, result) => (error ? reject(error) : resolve(result)));
  });
  // The device calls take {onSuccess, onFailure}: the result, or the error thrown.
  const settled = (start) => new Promise((resolve, reject) => {
    start({ onSuccess: resolve, onFailure: reject });
  });
  return {
    authenticateUser: ({ username, password, flow }) => {
      user = new CognitoUser({ Username: username, Pool: pool, Storage });
      if (flow) user.setAuthenticationFlowType(flow);
      const details = new AuthenticationDetails({ Username: username, Password: password });
      return next((cb) => user.authenticateUser(details, cb));
    },
    initiateAuth: ({ username, clientMetadata }) => {
      user = new CognitoUser({ Username: username, Pool: pool, Storage });
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
    setDeviceStatusRemembered: () => settled((cb) => user.setDeviceStatusRemembered(cb)),
    setDeviceStatusNotRemembered: () => settled((cb) => user.setDeviceStatusNotRemembered(cb)),
    getDevice: () => settled((cb) => user.getDevice(cb)),
    listDevices: ({ limit, paginationToken }) => settled((cb) => user.listDevices(limit, paginationToken ?? null, cb)),
    forgetDevice: () => settled((cb) => user.forgetDevice(cb)),
    forgetSpecificDevice: ({ deviceKey }) => settled((cb) => user.forgetSpecificDevice(deviceKey, cb)),
    storage: () => Object.fromEntries(kept),
    setStorageItem: ({ key, value }) => { kept.set(key, value); },
    getSession: () => nodeStyle((cb) => user.getSession(cb)).then(tokens),
  };
});
