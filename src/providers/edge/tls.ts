/**
 * Mutual TLS for MEF Center: the `tls` option checked and turned into agent options (PEM text,
 * certificates, the private key), the caller's own `httpsAgent` checked, and the agent the adapter
 * makes and owns. Internal to `taskpoll/edge`.
 *
 * MEF authenticates clients by certificate only: the platform's root CA is imported into MEF and MEF's
 * root CA exported with `run.sh exchangeca`
 * (https://www.hiascend.com/document/detail/en/mindx-edge/600/mef/mefug/mefug_0027.html). The server
 * certificate is therefore always checked against that exported root, never the system's CAs, and
 * nothing here turns the check off. No value of `tls` is ever put in a message: the key is a secret,
 * and the rest is of no use to the reader of an error.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { checkOptions, describe } from '../../internal/checks.js';
import { PROVIDER } from './api.js';
import type { EdgeTlsOptions, PemInput } from './types.js';

const TLS_KEYS = new Set(['cert', 'key', 'ca', 'passphrase']);
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The agent the adapter makes, owns and destroys on `close()`; `undefined` with an `http://` baseURL,
 * with the caller's `httpsAgent`, or with the caller's `axios` and no `tls` (the caller's transport is
 * then left alone). It verifies the server explicitly, so the `NODE_TLS_REJECT_UNAUTHORIZED=0` escape
 * hatch does not apply to it.
 */
export function ownAgent(
  baseURL: URL,
  tls: EdgeTlsOptions | undefined,
  callerAgent: HttpsAgent | undefined,
  callerAxios: boolean,
): HttpsAgent | undefined {
  if (baseURL.protocol !== 'https:' || callerAgent !== undefined || (tls === undefined && callerAxios))
    return undefined;
  // MEF's nginx allows 5 connections per client IP.
  return new HttpsAgent({
    keepAlive: true,
    maxSockets: 5,
    rejectUnauthorized: true,
    ...(tls !== undefined ? tlsAgentOptions(tls) : {}),
  });
}

/** The caller's `httpsAgent` must be one, and must verify the server: MEF's certificate is always checked. */
export function checkCallerAgent(agent: unknown): void {
  if (!(agent instanceof HttpsAgent))
    throw new TypeError(`${PROVIDER}: httpsAgent must be an https.Agent, got ${describe(agent)}`);
  if (agent.options.rejectUnauthorized === false) {
    throw new TypeError(
      `${PROVIDER}: httpsAgent has rejectUnauthorized: false; the MEF server certificate is always verified`,
    );
  }
}

/**
 * Checks `tls` and turns it into agent options. Every problem that would otherwise surface at the
 * first handshake (unreadable PEM, a key that is not the certificate's, a wrong passphrase) is a
 * `TypeError` when the adapter is made.
 */
function tlsAgentOptions(tls: unknown): AgentOptions {
  checkOptions(tls, PROVIDER, TLS_KEYS, {
    name: 'tls',
    shape: '{ cert, key, ca }',
    refused: { rejectUnauthorized: 'the server certificate is always verified' },
  });
  const { cert, key, ca, passphrase } = tls as Partial<Record<keyof EdgeTlsOptions, unknown>>;
  if (passphrase !== undefined && typeof passphrase !== 'string') {
    throw new TypeError(`${PROVIDER}: tls.passphrase must be a string, got ${describe(passphrase)}`);
  }
  const chain = certificates('tls.cert', cert);
  const privateKey = readKey(key, passphrase);
  const leaf = chain[0] as X509Certificate;
  if (!leaf.checkPrivateKey(privateKey)) throw new TypeError(`${PROVIDER}: tls.key is not the private key of tls.cert`);
  const cas = Array.isArray(ca) ? (ca as unknown[]) : [ca];
  if (cas.length === 0) throw new TypeError(`${PROVIDER}: tls.ca must hold MEF's root CA certificate`);
  cas.forEach((one, index) => {
    certificates(Array.isArray(ca) ? `tls.ca[${index}]` : 'tls.ca', one);
  });
  return {
    cert: cert as PemInput,
    key: key as PemInput,
    ca: cas as PemInput[],
    ...(passphrase !== undefined ? { passphrase } : {}),
  };
}

/** Every certificate in a PEM input; at least one. */
function certificates(name: string, value: unknown): X509Certificate[] {
  const text = pemText(name, value);
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0)
    throw new TypeError(`${PROVIDER}: ${name} must be a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new TypeError(`${PROVIDER}: ${name} holds a certificate that cannot be read (PEM block ${index + 1})`);
    }
  });
}

/** The private key of `tls.key`; a key that cannot be read says only whether it is encrypted. */
function readKey(value: unknown, passphrase: string | undefined): KeyObject {
  const text = pemText('tls.key', value);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new TypeError(`${PROVIDER}: tls.key must be a PEM private key (-----BEGIN PRIVATE KEY-----)`);
  }
  try {
    return createPrivateKey({ key: text, format: 'pem', ...(passphrase !== undefined ? { passphrase } : {}) });
  } catch {
    const hint = /ENCRYPTED/.test(text) ? ' (it is encrypted: check tls.passphrase)' : '';
    throw new TypeError(`${PROVIDER}: tls.key cannot be read${hint}`);
  }
}

/** The text of a PEM input given as a string or a Buffer. */
function pemText(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`${PROVIDER}: ${name} must be a PEM string or Buffer, got ${describe(value)}`);
}
