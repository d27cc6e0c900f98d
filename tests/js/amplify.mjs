// Drives Amplify JS v6 (aws-amplify, unmodified, from the npm registry) in Node against a userpool
// server through Amplify's `userPoolEndpoint` setting, one Auth API call per command (driver.mjs).
// Configuration line: {endpoint, poolId, clientId}. Commands: {"op": "signIn", "input": {...}} for
// signIn, confirmSignIn, signOut, setUpTOTP, verifyTOTPSetup, updateMFAPreference,
// fetchMFAPreference, fetchUserAttributes, getCurrentUser, rememberDevice, fetchDevices, forgetDevice; and {"op": "tokens", "forceRefresh"?},
// the current session's tokens (fetchAuthSession; forceRefresh: through REFRESH_TOKEN_AUTH). One process is one app: its tokens stay in Amplify's
// in-memory storage between commands, and so does the sign-in in progress.
import { Amplify } from 'aws-amplify';
import * as auth from 'aws-amplify/auth';
import { serve } from './driver.mjs';

// Node 20 has no `navigator` (Node 21 added one with `userAgent`), which Amplify reads for the
// device name when it confirms a new device: without it Amplify skips ConfirmDevice. Give Node 20
// what Node 21 has (read at call time, so setting it after the imports is enough).
if (typeof globalThis.navigator === 'undefined') {
  globalThis.navigator = { userAgent: `Node.js/${process.versions.node}` };
}

// A sign-in result as plain JSON: Amplify hands out a function for the TOTP setup URI.
function plain(result) {
  const details = result?.nextStep?.totpSetupDetails;
  if (details) {
    result.nextStep.totpSetupDetails = {
      sharedSecret: details.sharedSecret,
      setupUri: details.getSetupUri('userpool-tests', 'amplify-user').toString(),
    };
  }
  return result;
}

const API = ['signIn', 'confirmSignIn', 'signOut', 'verifyTOTPSetup', 'updateMFAPreference', 'fetchMFAPreference',
  'fetchUserAttributes', 'getCurrentUser', 'rememberDevice', 'fetchDevices', 'forgetDevice', 'signUp', 'confirmSignUp',
  'autoSignIn'];

await serve(async ({ endpoint, poolId, clientId }) => {
  Amplify.configure({ Auth: { Cognito: { userPoolId: poolId, userPoolClientId: clientId, userPoolEndpoint: endpoint } } });
  const ops = Object.fromEntries(API.map((name) => [name, async ({ input }) => plain(await auth[name](input))]));
  ops.setUpTOTP = async () => {
    const details = await auth.setUpTOTP();
    return { sharedSecret: details.sharedSecret, setupUri: details.getSetupUri('userpool-tests').toString() };
  };
  ops.tokens = async ({ forceRefresh = false }) => {
    const { tokens } = await auth.fetchAuthSession({ forceRefresh });
    return tokens ? { idToken: tokens.idToken?.toString() ?? null, accessToken: tokens.accessToken.toString() } : null;
  };
  return ops;
});
