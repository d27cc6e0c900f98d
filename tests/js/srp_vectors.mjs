// Client side of Cognito SRP computed by amazon-cognito-identity-js, for userpool's cross-checks.
//
// Reads {"cases": [...]} as JSON on stdin and writes {"results": [...]} on stdout, one result per
// case. Case kinds:
//   helper        AuthenticationHelper with an injected small a: A, K and the claim signature
//                 (signature assembled exactly as CognitoUser.authenticateUserDefaultAuth does).
//   user_flow     CognitoUser.authenticateUser (USER_SRP_AUTH) against a fake client that answers
//                 InitiateAuth with the given ChallengeParameters; returns what the library sent.
//   device_setup  AuthenticationHelper.generateHashDevice: device password, salt and verifier.
//   device_flow   CognitoUser.getDeviceResponse (DEVICE_SRP_AUTH) against the same kind of fake.
// Install with: npm ci --prefix tests/js
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Buffer } = require('buffer');
const { Sha256 } = require('@aws-crypto/sha256-js');
const AuthenticationHelper = require('amazon-cognito-identity-js/lib/AuthenticationHelper.js').default;
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger.js').default;
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');

function callbackToPromise(fn) {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

async function helperCase(c) {
  const helper = new AuthenticationHelper(c.realm);
  helper.smallAValue = new BigInteger(c.a_hex, 16);
  helper.largeAValue = undefined;
  const aPub = await callbackToPromise((cb) => helper.getLargeAValue(cb));
  const key = await callbackToPromise((cb) =>
    helper.getPasswordAuthenticationKey(
      c.user_id,
      c.password,
      new BigInteger(c.b_pub_hex, 16),
      new BigInteger(c.salt_param, 16),
      cb,
    ),
  );
  const message = Buffer.concat([
    Buffer.from(c.realm, 'utf8'),
    Buffer.from(c.user_id, 'utf8'),
    Buffer.from(c.secret_block_b64, 'base64'),
    Buffer.from(c.timestamp, 'utf8'),
  ]);
  const mac = new Sha256(key);
  mac.update(message);
  return {
    a_pub_hex: aPub.toString(16),
    u_hex: helper.UValue.toString(16),
    key_hex: Buffer.from(key).toString('hex'),
    signature: Buffer.from(mac.digestSync()).toString('base64'),
  };
}

// A stand-in for the library's HTTP client: records requests, answers with canned data, and
// ends the flow with an error once the claim has been sent.
function fakeClient(answers) {
  const requests = [];
  return {
    requests,
    request(operation, params, callback) {
      requests.push({ operation, params: JSON.parse(JSON.stringify(params)) });
      const answer = answers.shift();
      if (answer === undefined) {
        const err = new Error('cross-check finished');
        err.code = 'CrossCheckFinished';
        callback(err, null);
      } else {
        callback(null, answer);
      }
    },
  };
}

function makeUser(c) {
  const pool = new CognitoUserPool({ UserPoolId: c.pool_id, ClientId: c.client_id });
  return new CognitoUser({ Username: c.username, Pool: pool });
}

async function userFlowCase(c) {
  const user = makeUser(c);
  const client = fakeClient([{ ChallengeName: 'PASSWORD_VERIFIER', ChallengeParameters: c.challenge }]);
  user.client = client;
  const details = new AuthenticationDetails({ Username: c.username, Password: c.password });
  await new Promise((resolve) =>
    user.authenticateUser(details, {
      onSuccess: resolve,
      onFailure: resolve,
      mfaRequired: resolve,
      newPasswordRequired: resolve,
      customChallenge: resolve,
    }),
  );
  return { requests: client.requests };
}

async function deviceSetupCase(c) {
  const helper = new AuthenticationHelper(c.realm);
  await callbackToPromise((cb) => helper.generateHashDevice(c.realm, c.user_id, cb));
  return {
    password: helper.getRandomPassword(),
    salt_hex: helper.getSaltDevices(),
    verifier_hex: helper.getVerifierDevices(),
  };
}

async function deviceFlowCase(c) {
  const user = makeUser(c);
  const client = fakeClient([{ ChallengeName: 'DEVICE_PASSWORD_VERIFIER', ChallengeParameters: c.challenge }]);
  user.client = client;
  user.deviceKey = c.device_key;
  user.deviceGroupKey = c.device_group_key;
  user.randomPassword = c.device_password;
  await new Promise((resolve) => user.getDeviceResponse({ onSuccess: resolve, onFailure: resolve }));
  return { requests: client.requests };
}

const handlers = {
  helper: helperCase,
  user_flow: userFlowCase,
  device_setup: deviceSetupCase,
  device_flow: deviceFlowCase,
};

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const results = [];
  for (const c of input.cases) {
    const handler = handlers[c.kind];
    if (!handler) throw new Error(`unknown case kind ${c.kind}`);
    results.push(await handler(c));
  }
  process.stdout.write(JSON.stringify({ results }));
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
