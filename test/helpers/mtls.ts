import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One PEM certificate with its key. */
export interface Issued {
  cert: string;
  key: string;
}

/**
 * Throwaway PKI for mutual TLS tests, the shape of a MEF deployment: MEF's own root signs the server
 * certificate, the third-party platform's root signs the client certificate, and a rogue root signs
 * look-alikes of both. Everything is made at test time and lives for two days.
 */
export interface TestPki {
  /** MEF's root (what the client trusts). */
  mefCa: string;
  /** The platform's root (what the server trusts, imported with `run.sh exchangeca`). */
  platformCa: string;
  /** A root nobody trusts. */
  rogueCa: string;
  /** MEF's server certificate for 127.0.0.1, signed by `mefCa`. */
  server: Issued;
  /** A server certificate for 127.0.0.1 signed by `rogueCa`. */
  rogueServer: Issued;
  /** The client certificate, signed by `platformCa`. */
  client: Issued;
  /** A client certificate signed by `rogueCa`. */
  rogueClient: Issued;
  /** `client.key`, encrypted with {@link TestPki.passphrase}. */
  encryptedClientKey: string;
  passphrase: string;
  dispose(): void;
}

/** True when an `openssl` binary can be run. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Makes a {@link TestPki} with the openssl CLI (EC P-256 keys: fast) in a temporary directory. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'taskpoll-mtls-'));
  const file = (name: string): string => join(dir, name);
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

  const root = (name: string, cn: string): void => {
    run(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  };
  const leaf = (name: string, cn: string, ca: string, usage: 'serverAuth' | 'clientAuth'): Issued => {
    const ext = file(`${name}.ext`);
    const san = usage === 'serverAuth' ? 'subjectAltName=IP:127.0.0.1\n' : '';
    writeFileSync(
      ext,
      `${san}basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${usage}\n`,
    );
    run('req', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${cn}`);
    run(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file(`${ca}.crt`),
      '-CAkey',
      file(`${ca}.key`),
      '-CAcreateserial',
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-extfile',
      ext,
    );
    return { cert: readFileSync(file(`${name}.crt`), 'utf8'), key: readFileSync(file(`${name}.key`), 'utf8') };
  };

  root('mef-ca', 'MEF Center test root');
  root('platform-ca', 'Platform test root');
  root('rogue-ca', 'Rogue test root');
  const server = leaf('server', '127.0.0.1', 'mef-ca', 'serverAuth');
  const rogueServer = leaf('rogue-server', '127.0.0.1', 'rogue-ca', 'serverAuth');
  const client = leaf('client', 'taskpoll-test-client', 'platform-ca', 'clientAuth');
  const rogueClient = leaf('rogue-client', 'taskpoll-test-client', 'rogue-ca', 'clientAuth');
  const passphrase = 'correct horse battery staple';
  run('pkey', '-in', file('client.key'), '-aes256', '-passout', `pass:${passphrase}`, '-out', file('client-enc.key'));

  return {
    mefCa: readFileSync(file('mef-ca.crt'), 'utf8'),
    platformCa: readFileSync(file('platform-ca.crt'), 'utf8'),
    rogueCa: readFileSync(file('rogue-ca.crt'), 'utf8'),
    server,
    rogueServer,
    client,
    rogueClient,
    encryptedClientKey: readFileSync(file('client-enc.key'), 'utf8'),
    passphrase,
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
