// Verifies userpool tokens with aws-jwt-verify's CognitoJwtVerifier (unmodified). The server
// runs with --issuer aws, so the verifier's expected issuer (built from the pool ID's region)
// matches; the JWKS is fetched from the server and handed to the verifier's cache, since the
// real AWS URL is not reachable here.
// Input (stdin JSON): {jwksUrl, poolId, clientId, idToken, accessToken, tamperedToken}
// Output: {id: claims|error, access: claims|error, tampered: claims|error, wrongClient: claims|error}
import { CognitoJwtVerifier } from 'aws-jwt-verify';

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
}));
const jwks = await (await fetch(input.jwksUrl)).json();

async function check(tokenUse, clientId, token) {
  const verifier = CognitoJwtVerifier.create({ userPoolId: input.poolId, tokenUse, clientId });
  verifier.cacheJwks(jwks);
  try {
    return { ok: true, claims: await verifier.verify(token) };
  } catch (error) {
    return { ok: false, error: `${error.name}: ${error.message}` };
  }
}

process.stdout.write(JSON.stringify({
  id: await check('id', input.clientId, input.idToken),
  access: await check('access', input.clientId, input.accessToken),
  tampered: await check('access', input.clientId, input.tamperedToken),
  wrongClient: await check('id', 'someotherclientid', input.idToken),
  idAsAccess: await check('access', input.clientId, input.idToken),
}));
