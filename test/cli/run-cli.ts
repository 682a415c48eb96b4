import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Simulator } from '../../src/testing/index.js';

/**
 * Runs the `taskpoll` command as a user does, in a child process (through tsx, from the sources: no
 * build needed), against a simulator the test started and scripted in its own process.
 */
export const root = resolve(import.meta.dirname, '../..');
export const bin = resolve(root, 'src/cli/bin.ts');
/** tsx's loader, by URL: a child in another directory finds it too. */
export const tsx = import.meta.resolve('tsx');

/** What one run of the command gave. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** The working directory. @default the repository's root */
  cwd?: string;
  /**
   * Called with the stderr so far on every chunk of stderr, and with the child: to send it a signal.
   * Each signal is sent at most once: stderr that still matches after the first (the command's own
   * line on the interrupt) must not send a second, which the command takes as "exit at once".
   */
  onStderr?: (stderr: string, kill: (signal: NodeJS.Signals) => void, stdout: string) => void;
}

/**
 * The environment the command runs with: the parent's minus anything a provider or the renderer
 * reads, plus `env`. `CI` is removed so that the plain/live choice is the test's.
 */
export function cleanEnv(env: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(GUANCE|EDGE|DGC|WORKFLOW|TASKPOLL)_/.test(key)) continue;
    if (key === 'CI' || key === 'NO_COLOR' || key === 'FORCE_COLOR') continue;
    out[key] = value;
  }
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/** Runs `taskpoll <args>` and resolves once it exits. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return runProcess(process.execPath, ['--import', tsx, bin, ...args], options);
}

/** Runs any command the way {@link runCli} does. */
export function runProcess(file: string, args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd ?? root,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const sent = new Set<NodeJS.Signals>();
    const kill = (signal: NodeJS.Signals): void => {
      if (sent.has(signal)) return;
      sent.add(signal);
      child.kill(signal);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr, kill, stdout);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/** The variables that point the command at `sim`, with the adapters' pacing off (as `taskpoll simulate` prints). */
export function simEnv(sim: Simulator): Record<string, string> {
  return {
    TASKPOLL_PACING: 'off',
    GUANCE_BASE_URL: sim.guance.baseURL,
    GUANCE_API_KEY: sim.guance.apiKey,
    EDGE_BASE_URL: sim.edge.baseURL,
    DGC_ENDPOINT: sim.dgc.endpoint,
    DGC_PROJECT_ID: sim.dgc.projectId,
    DGC_AK: sim.dgc.accessKey,
    DGC_SK: sim.dgc.secretKey,
    WORKFLOW_BASE_URL: sim.workflow.baseURL,
    WORKFLOW_USERNAME: sim.workflow.credentials.username,
    WORKFLOW_PASSWORD: sim.workflow.credentials.password,
    WORKFLOW_GRAPH_ADDRESS: sim.workflow.credentials.graphAddress,
    WORKFLOW_GRAPH_PORT: String(sim.workflow.credentials.graphPort),
  };
}

/** Fast polls for a simulator at a large time scale. */
export const FAST = ['--initial-delay', '20ms', '--max-delay', '50ms'];
