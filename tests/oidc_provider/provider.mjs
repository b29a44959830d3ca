// SPDX-License-Identifier: EUPL-1.2
// A real OpenID Connect provider for the browser tests (panva's oidc-provider), on 127.0.0.1 only.
//
// Started by src/smaakmaker/access/tests/test_oidc_browser.py with, in the environment:
//   OIDC_PORT      port to listen on (127.0.0.1)
//   OIDC_CLIENT    JSON: {client_id, client_secret, redirect_uris, post_logout_redirect_uris}
//   OIDC_ACCOUNTS  JSON: {login: {claims: {...}, amr: [...], acr: "..."}} — the test's people
// Its own pages (sign-in, sign-out confirmation) are plain HTML without anything from other servers.
// Prints "ready <issuer>" on stdout once it listens.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const client = JSON.parse(process.env.OIDC_CLIENT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const page = (title, body) => `<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>${title}</title></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(issuer, {
  clients: [{
    ...client,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['test-only-cookie-key-not-a-secret'] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    // as Entra ID and Keycloak do: how the user authenticated is in every ID token
    openid: ['sub', 'acr', 'amr', 'auth_time'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    groups: ['groups'],
  },
  findAccount: async (ctx, sub) => {
    if (!accounts[sub]) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...accounts[sub].claims }) };
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Afmelden bij de testaanbieder', `${form}
          <button type="submit" form="op.logoutForm" name="logout" value="yes">Ja, afmelden</button>
          <button type="submit" form="op.logoutForm">Nee, aangemeld blijven</button>`);
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page('Afgemeld bij de testaanbieder', '<p>U bent afgemeld.</p>');
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Fout bij de testaanbieder', `<pre>${escape(JSON.stringify(out))}</pre>`);
  },
  ttl: {
    AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600,
  },
});

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (prompt.name === 'login') {
    if (req.method === 'POST') {
      const login = (await readForm(req)).get('login') || '';
      const account = accounts[login];
      if (!account) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page('Inloggen bij de testaanbieder', `<p role="alert">Onbekende gebruiker.</p>`));
        return;
      }
      const result = { login: { accountId: login, amr: account.amr, acr: account.acr } };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page('Inloggen bij de testaanbieder', `
      <form method="post" action="/interaction/${escape(uid)}">
        <label for="login">Gebruikersnaam bij de testaanbieder</label>
        <input id="login" name="login" autocomplete="off">
        <button type="submit">Inloggen bij de testaanbieder</button>
      </form>`));
    return;
  }
  // consent: the organisation's own application, granted without asking (as an IdP admin would set it)
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`interaction failed: ${error.message}`);
    });
    return;
  }
  callback(req, res);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
