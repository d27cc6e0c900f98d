// A page that uses Amplify JS v6 (unmodified, bundled for the browser by esbuild) the way a web app
// does, for the passkey test in a real Chromium (tests/e2e/test_passkeys_browser.py). Each Amplify
// call is exposed on window.app and answers plain JSON, or {error: {name, message}}.
import { Amplify } from 'aws-amplify';
import * as auth from 'aws-amplify/auth';

async function run(call) {
  try {
    return { ok: await call() ?? null };
  } catch (error) {
    return { error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) } };
  }
}

window.app = {
  configure: (endpoint, poolId, clientId) => Amplify.configure({
    Auth: { Cognito: { userPoolId: poolId, userPoolClientId: clientId, userPoolEndpoint: endpoint } },
  }),
  signIn: (input) => run(() => auth.signIn(input)),
  signOut: () => run(() => auth.signOut()),
  confirmSignIn: (input) => run(() => auth.confirmSignIn(input)),
  associateWebAuthnCredential: () => run(() => auth.associateWebAuthnCredential()),
  listWebAuthnCredentials: () => run(async () => {
    const { credentials } = await auth.listWebAuthnCredentials();
    return credentials.map((c) => ({ ...c, createdAt: c.createdAt ? String(c.createdAt) : null }));
  }),
  deleteWebAuthnCredential: (credentialId) => run(() => auth.deleteWebAuthnCredential({ credentialId })),
  currentUser: () => run(() => auth.getCurrentUser()),
};
