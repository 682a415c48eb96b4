/**
 * MEF Center edge log collection: start a log dump of some edge nodes, follow its progress, and
 * download the collected archive (edgeNodes.tar.gz).
 *
 * Runs against the local simulator unless EDGE_BASE_URL is set:
 *   EDGE_BASE_URL        MEF Center's address, e.g. https://10.10.10.10:30035
 *   EDGE_CERT, EDGE_KEY  paths of the client certificate and its key (PEM), imported into MEF
 *   EDGE_CA              path of MEF's root CA (PEM), exported with `run.sh exchangeca`
 *   EDGE_KEY_PASSPHRASE  the key's passphrase, if it is encrypted (never printed)
 *   EDGE_NODES           the node ids to collect logs from, comma-separated, e.g. 2,3
 *   EDGE_OUT             the directory to save the archive in (default: a new temporary one)
 * MEF speaks HTTPS with mutual TLS only; without EDGE_CERT the requests go out in plain HTTP (for a
 * TLS-terminating sidecar on the same host). The simulator here is plain HTTP too.
 *
 *   npx tsx examples/edge.ts
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitForTask } from 'taskpoll';
import { edgeLogDump, type EdgeTlsOptions } from 'taskpoll/edge';
import { startSimulator } from 'taskpoll/testing';

/** The real MEF Center when EDGE_BASE_URL is set, else a simulated one (60× faster than real time). */
async function connect(env: Record<string, string | undefined>) {
  const { EDGE_BASE_URL: baseURL, EDGE_CERT: cert, EDGE_KEY: key, EDGE_CA: ca, EDGE_KEY_PASSPHRASE: passphrase } = env;
  if (baseURL) {
    const nodes = (env.EDGE_NODES ?? '').split(',').filter(Boolean).map(Number);
    if (nodes.length === 0) throw new Error('Set EDGE_NODES to the node ids to collect logs from, e.g. EDGE_NODES=2,3');
    let tls: EdgeTlsOptions | undefined;
    if (cert && key && ca) {
      tls = {
        cert: readFileSync(cert),
        key: readFileSync(key),
        ca: readFileSync(ca),
        ...(passphrase ? { passphrase } : {}),
      };
    }
    return { nodes, dump: edgeLogDump({ baseURL, ...(tls ? { tls } : {}) }) };
  }
  const sim = await startSimulator({ timeScale: 60 });
  sim.edge.script({ queuedMs: 20_000, durationMs: 120_000 }); // queued 20 s, then collects for 2 minutes
  // sim.edge.pacing: MEF's request rate at the simulator's speed (still one request at a time).
  return { sim, nodes: [2, 3, 5], dump: edgeLogDump({ baseURL: sim.edge.baseURL, pacing: sim.edge.pacing }) };
}

export async function main(env: Record<string, string | undefined> = process.env) {
  const { sim, nodes, dump } = await connect(env);
  try {
    const taskId = await dump.submit({ edgeNodes: nodes });
    console.log(`log dump ${taskId} of nodes ${nodes.join(', ')} started on ${sim ? 'the simulator' : 'MEF Center'}`);

    const done = await waitForTask(dump, taskId, {
      timeoutMs: 30 * 60_000,
      initialDelayMs: sim ? 250 : 2000, // the simulator runs 60× faster: poll it faster too
      acceptPartial: true, // some nodes failing still gives an archive of the others
      onProgress: (status) => console.log(`  ${status.providerState.padEnd(15)} ${status.progress ?? 0}%`),
    });
    if (done.state === 'partial') console.log(`partly failed: ${done.message ?? ''}`);

    const fileName = done.result?.fileName ?? 'edgeNodes.tar.gz';
    const path = join(env.EDGE_OUT ?? (await mkdtemp(join(tmpdir(), 'edge-logs-'))), fileName);
    const { bytes } = await dump.download(done, path);
    console.log(`${fileName}: ${bytes} bytes saved to ${path}`);
    return { source: sim ? 'simulator' : 'mef', taskId, state: done.state, fileName, bytes, path };
  } finally {
    dump.close();
    await sim?.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
