// Drives amazon-cognito-identity-js (unmodified) against a userpool server: USER_SRP_AUTH
// sign-in, NEW_PASSWORD_REQUIRED when asked, then a refresh (REFRESH_TOKEN_AUTH).
// Input (stdin JSON): {endpoint, poolId, clientId, username, password, newPassword?, flow?}
// Output (stdout JSON): {ok, challenge?, idToken, accessToken, refreshToken, refreshedIdToken} or {ok:false, code, message}
import {
  AuthenticationDetails, CognitoUser, CognitoUserPool,
} from 'amazon-cognito-identity-js';

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
}));

const pool = new CognitoUserPool({ UserPoolId: input.poolId, ClientId: input.clientId, endpoint: input.endpoint });
const user = new CognitoUser({ Username: input.username, Pool: pool });
if (input.flow) user.setAuthenticationFlowType(input.flow);
const details = new AuthenticationDetails({ Username: input.username, Password: input.password });
const seen = [];

const session = await new Promise((resolve, reject) => {
  const callbacks = {
    onSuccess: resolve,
    onFailure: reject,
    newPasswordRequired: (userAttributes, requiredAttributes) => {
      seen.push({ challenge: 'NEW_PASSWORD_REQUIRED', userAttributes, requiredAttributes });
      if (!input.newPassword) { reject(Object.assign(new Error('new password required'), { code: 'NEW_PASSWORD_REQUIRED' })); return; }
      user.completeNewPasswordChallenge(input.newPassword, {}, callbacks);
    },
  };
  user.authenticateUser(details, callbacks);
}).catch((error) => {
  process.stdout.write(JSON.stringify({ ok: false, code: error.code || error.name, message: error.message, seen }));
  process.exit(0);
});

const refreshed = await new Promise((resolve, reject) => {
  user.refreshSession(session.getRefreshToken(), (error, next) => (error ? reject(error) : resolve(next)));
}).catch((error) => ({ error }));

process.stdout.write(JSON.stringify({
  ok: true,
  seen,
  idToken: session.getIdToken().getJwtToken(),
  accessToken: session.getAccessToken().getJwtToken(),
  refreshToken: session.getRefreshToken().getToken(),
  refreshedIdToken: refreshed.error ? null : refreshed.getIdToken().getJwtToken(),
  refreshError: refreshed.error ? `${refreshed.error.code}: ${refreshed.error.message}` : null,
}));
