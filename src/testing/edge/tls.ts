/**
 * The simulated MEF listener's TLS: the `edgeTls` option (checked here), the server options it
 * becomes (MEF's nginx settings), and the client material handed out as `sim.edge.tls`.
 */
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { checkBoolean, checkInt, checkObject, checkOneOf, describe } from '../check.js';
import type { ClientCertPolicy } from '../server/dispatch.js';

/** PEM material: a string or a Buffer. */
export type Pem = string | Buffer;

/**
 * HTTPS with mutual TLS for the MEF routes: a second listener (MEF Center is HTTPS-only with
 * `ssl_verify_client on`). When set, the MEF routes are served only there.
 */
export interface EdgeTlsOptions {
  /** The server certificate (PEM; give it a SAN for `IP:127.0.0.1`). */
  cert: Pem;
  /** Its private key (PEM). */
  key: Pem;
  /** The CA(s) client certificates must chain to; also what `sim.edge.tls.ca` reports unless `serverCa` is given. */
  ca?: Pem | Pem[];
  /** The CA that signed `cert`, reported to clients as `sim.edge.tls.ca`. @default ca */
  serverCa?: Pem | Pem[];
  /**
   * Ask for (and require) a client certificate, as MEF's nginx does.
   * @default true
   */
  requestClientCert?: boolean;
  /**
   * What a missing or untrusted client certificate gets: `'http-400'` (what MEF's nginx does: the
   * handshake completes and the answer is a "400 No required SSL certificate was sent" or "400 The SSL
   * certificate error" page) or `'handshake'` (no HTTP answer: Node's TLS server drops the connection
   * after the handshake, so a client sees ECONNRESET, or a `handshake_failure` alert when it sent no
   * certificate at all).
   * @default 'http-400'
   */
  clientCertFailure?: 'http-400' | 'handshake';
  /**
   * A client certificate to hand out as `sim.edge.tls.cert`, ready for the adapter (`sim.edge.tls` needs
   * it, its key, and `serverCa` or `ca`).
   */
  clientCert?: Pem;
  /** Its key, handed out as `sim.edge.tls.key`. */
  clientKey?: Pem;
  /** Port of the TLS listener. @default 0 (ephemeral) */
  port?: number;
}

/** The TLS material a client needs for the simulated MEF listener (from what you passed in `edgeTls`). */
export interface EdgeClientTls {
  /** The CA that signed the simulator's server certificate (trust it). */
  ca: string | Buffer;
  /** A client certificate the listener accepts (`edgeTls.clientCert`). */
  cert: string | Buffer;
  /** Its key (`edgeTls.clientKey`). */
  key: string | Buffer;
}

/** `edgeTls` after checks: what the server listens with, and what `sim.edge.tls` hands out. */
export interface EdgeTlsConfig {
  /** The HTTPS server's options. */
  server: HttpsServerOptions;
  /** How client certificates are checked. */
  policy: ClientCertPolicy;
  /** Port of the TLS listener. */
  port: number;
  /** The client material, when `clientCert`, `clientKey` and a CA were given. */
  client: EdgeClientTls | undefined;
}

const TLS_KEYS = [
  'cert',
  'key',
  'ca',
  'serverCa',
  'requestClientCert',
  'clientCertFailure',
  'clientCert',
  'clientKey',
  'port',
];

/** Checks the `edgeTls` option; `undefined` when it is not given. */
export function checkEdgeTls(value: unknown): EdgeTlsConfig | undefined {
  if (value === undefined) return undefined;
  const given = checkObject<EdgeTlsOptions>('edgeTls', value, TLS_KEYS);
  const cert = checkPem('edgeTls.cert', given.cert, true) as Pem;
  const key = checkPem('edgeTls.key', given.key, true) as Pem;
  const ca = checkPems('edgeTls.ca', given.ca);
  const serverCa = checkPems('edgeTls.serverCa', given.serverCa) ?? ca;
  const required = checkBoolean('edgeTls.requestClientCert', given.requestClientCert, true);
  const failure = checkOneOf(
    'edgeTls.clientCertFailure',
    given.clientCertFailure,
    ['http-400', 'handshake'] as const,
    'http-400',
  );
  if (required && ca === undefined)
    throw new TypeError('edgeTls.ca is required when requestClientCert is true (client certificates must chain to it)');
  const clientCert = checkPem('edgeTls.clientCert', given.clientCert, false);
  const clientKey = checkPem('edgeTls.clientKey', given.clientKey, false);
  if ((clientCert === undefined) !== (clientKey === undefined))
    throw new TypeError('edgeTls.clientCert and edgeTls.clientKey go together');
  // MEF's nginx: TLS 1.2 only, ECDHE with AES-GCM (`nginx_default.conf` in the `Ascend/MEF` repository).
  const server: HttpsServerOptions = {
    cert,
    key,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    ciphers:
      'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:' +
      'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384',
  };
  if (ca !== undefined) server.ca = ca;
  const client: EdgeClientTls | undefined =
    clientCert !== undefined && clientKey !== undefined && serverCa !== undefined
      ? { ca: joinPems(serverCa), cert: clientCert, key: clientKey }
      : undefined;
  return { server, policy: { required, failure }, port: checkInt('edgeTls.port', given.port, 0, 0, 65_535), client };
}

/** A non-empty PEM string or Buffer; `undefined` when it may be left out and is. */
function checkPem(name: string, value: unknown, required: boolean): Pem | undefined {
  if (value === undefined && !required) return undefined;
  if (!((typeof value === 'string' && value !== '') || (Buffer.isBuffer(value) && value.length > 0))) {
    throw new TypeError(`${name} must be a non-empty PEM string or Buffer, got ${describe(value)}`);
  }
  return value;
}

/** One PEM or a non-empty list of them, as a list. */
function checkPems(name: string, value: unknown): Pem[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new TypeError(`${name} must not be an empty list`);
  return list.map((pem, i) => checkPem(`${name}[${i}]`, pem, true) as Pem);
}

/** The CAs as one PEM bundle, since `sim.edge.tls.ca` is a single value. */
function joinPems(pems: readonly Pem[]): string | Buffer {
  if (pems.length === 1) return pems[0] as Pem;
  return pems.map((pem) => pem.toString().trim()).join('\n');
}
