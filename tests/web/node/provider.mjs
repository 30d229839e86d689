// A real OpenID Connect provider for covergate's single sign-on tests (oidc-provider 8).
//
//   node tests/web/node/provider.mjs --redirect-uri http://localhost:8000/sign-in/oidc/callback \
//        --client-secret S [--host 127.0.0.1] [--port 0]
//
// It listens, then prints one JSON line, {"issuer": "http://HOST:PORT"}, and serves until
// killed. One confidential client, "covergate" (client_secret_basic, authorization code
// only, PKCE S256 required), and the accounts below, each with a password. Its own
// minimal login and consent pages stand in for an agency's: plain forms, no script, no
// outside resources. "Cancel" on either page ends the attempt with access_denied.

import crypto from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const PASSWORD = 'provider password 1';

// login -> claims. covergate (tests/world.py) has an account for each email but stranger's.
const ACCOUNTS = {
  fbi: { email: 'FBI@Test.Example', email_verified: true, name: 'Fay Agent' },
  dea: { email: 'dea@test.example', email_verified: false, name: 'Dee Unverified' },
  observer: { email: 'observer@test.example', email_verified: true, name: 'Obi Server' },
  reviewer: { email: 'reviewer@test.example', email_verified: true, name: 'Rae Viewer' },
  chief: { email: 'chief@test.example', email_verified: true, name: 'Chief Approver' },
  stranger: { email: 'stranger@test.example', email_verified: true, name: 'Stan Ranger' },
};

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'redirect-uri': { type: 'string' },
    'client-secret': { type: 'string' },
  },
});
if (!args['redirect-uri'] || !args['client-secret']) {
  process.stderr.write('provider.mjs needs --redirect-uri and --client-secret\n');
  process.exit(2);
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, status, title, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  // No form-action: the consent form's answer is a redirect to covergate.
  res.setHeader('Content-Security-Policy', "default-src 'none'");
  res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>${escape(title)} · Test agency sign-in</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`);
}

function loginForm(uid, error) {
  return `${error ? `<p role="alert" id="provider-error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
  <p><label for="login">Username</label> <input id="login" name="login" required></p>
  <p><label for="password">Password</label>
     <input id="password" name="password" type="password" required></p>
  <p><button type="submit">Sign in</button></p>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`;
}

function consentForm(uid, clientId, scopes) {
  return `<p>${escape(clientId)} asks for: ${escape(scopes.join(', '))}.</p>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// The server listens first, so the issuer can name the port it got.
const server = http.createServer();
await new Promise((resolve) => {
  server.listen(Number(args.port), args.host, resolve);
});
const issuer = `http://${args.host}:${server.address().port}`;

const signingKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'covergate',
      client_secret: args['client-secret'],
      redirect_uris: [args['redirect-uri']],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [{ ...signingKey.export({ format: 'jwk' }), kid: 'test-1', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  pkce: { methods: ['S256'], required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
});
provider.on('server_error', (ctx, error) => {
  process.stderr.write(`provider error: ${error.stack}\n`);
});

async function interaction(req, res, url) {
  const [, , uid, action] = url.pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return page(res, 400, 'Wrong interaction', '<p>Start again.</p>');
  const { prompt, params, session } = details;
  if (req.method === 'GET') {
    if (prompt.name === 'login') return page(res, 200, 'Sign in to your agency', loginForm(uid));
    const scopes = String(params.scope).split(' ');
    return page(res, 200, 'Allow covergate?', consentForm(uid, params.client_id, scopes));
  }
  if (req.method !== 'POST') return page(res, 405, 'Not allowed', '');
  const form = await readForm(req);
  if (action === 'abort') {
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  if (action === 'login') {
    const login = form.get('login') ?? '';
    if (!Object.hasOwn(ACCOUNTS, login) || form.get('password') !== PASSWORD) {
      return page(res, 200, 'Sign in to your agency', loginForm(uid, 'Wrong username or password.'));
    }
    const result = { login: { accountId: login } };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  if (action === 'confirm' && prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const result = { consent: { grantId: await grant.save() } };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
  }
  return page(res, 400, 'Unknown step', '<p>Start again.</p>');
}

const handle = provider.callback();
server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);
  if (!url.pathname.startsWith('/interaction/')) return handle(req, res);
  return interaction(req, res, url).catch((error) => {
    process.stderr.write(`interaction error: ${error.stack}\n`);
    if (!res.headersSent) page(res, 400, 'Sign-in failed', `<p>${escape(error.message)}</p>`);
  });
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
