/**
 * Library overhead: polls per second of `waitForTask` against a bare axios loop, on the same endpoint
 * (bench/overhead/fixed-server.ts, a minimal server in a child process), with the same keep-alive agent
 * settings, in one process, in interleaved rounds (the order rotates every round) so that machine
 * noise hits every contender alike. Polls are back to back: no delay between them.
 */
import { Agent as HttpAgent } from 'node:http';
import axios from 'axios';
import { z } from 'zod';
import type { TaskAdapter } from '../../src/core/adapter.js';
import type { BenchLibrary } from './bundle.js';
import { startFixedServer } from './fixed-server.js';
import { quantile } from '../schedule/stats.js';

const QUERY_PATH = '/api/v1/logmine/query_task';
const API_KEY = 'tkn_bench_overhead';

/** Back-to-back polls: no delay between them. */
export const BACK_TO_BACK = { initialDelayMs: 0, maxDelayMs: 0, factor: 1, jitter: 0 } as const;

/** A built library to measure, with its label. */
export interface LabelledLibrary {
  /** e.g. `'after'`, `'before (8fca6f6)'`. */
  label: string;
  lib: BenchLibrary;
  /** Set up around each of this library's rounds (a diagnostics subscriber, say); returns its undo. */
  around?: () => () => void;
}

/** One contender's totals over the measured rounds. */
export interface ContenderResult {
  name: string;
  how: string;
  /** Whether this is the bare baseline the ratios are taken against. */
  baseline: boolean;
  polls: number;
  wallMs: number;
  /** CPU time (user + system) of this process while the contender ran, in ms; the server is another process. */
  cpuMs: number;
  pollsPerSecond: number;
  cpuMicrosPerPoll: number;
  /** Total polls/s ÷ the baseline's total polls/s. */
  ratio: number;
  /** Median and quartiles of the per-round ratio (this round's polls/s ÷ the baseline's in the same round). */
  roundRatio: { p25: number; median: number; p75: number };
}

/** One concurrency setting. */
export interface OverheadResult {
  concurrency: number;
  pollsPerWait: number;
  rounds: number;
  contenders: ContenderResult[];
}

interface Contender {
  name: string;
  how: string;
  baseline: boolean;
  wait(id: string): Promise<unknown>;
  around?: (() => () => void) | undefined;
}

/**
 * After one warm-up round, runs `rounds` rounds; in each, every contender in turn (the order rotates)
 * runs `concurrency` waits of `pollsPerWait` polls each (the server answers "running" until a task id
 * has been polled `pollsPerWait` times, then "ok").
 */
export async function measureOverhead(
  libraries: readonly LabelledLibrary[],
  settings: { concurrency: number; pollsPerWait: number; rounds: number },
): Promise<OverheadResult> {
  const { concurrency, pollsPerWait, rounds } = settings;
  const server = await startFixedServer(pollsPerWait);
  const url = `${server.baseURL}${QUERY_PATH}`;
  // The core client's own agent settings (src/internal/http/client.ts), for the bare loops too.
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const bareAxios = axios.create({ proxy: false });
  const body = z.looseObject({
    code: z.number(),
    content: z.looseObject({ taskStatus: z.string() }),
    success: z.boolean(),
  });
  const closers: (() => void)[] = [() => agent.destroy()];

  const bare = (config: { maxRedirects?: number }) => async (id: string) => {
    for (;;) {
      const response = await bareAxios.get<{ content: { taskStatus: string } }>(
        `${url}?taskId=${encodeURIComponent(id)}`,
        {
          httpAgent: agent,
          headers: { 'DF-API-KEY': API_KEY },
          ...config,
        },
      );
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      if (response.data.content.taskStatus === 'ok') return response.data;
    }
  };
  const contenders: Contender[] = [
    {
      name: 'bare axios loop',
      how: '`axios.get` in a `for` loop (axios defaults), JSON parsed by axios, `taskStatus` checked',
      baseline: true,
      wait: bare({}),
    },
    {
      name: 'bare axios loop, maxRedirects 0',
      how: 'the same with `maxRedirects: 0`, as the core client sets (no follow-redirects wrapper)',
      baseline: false,
      wait: bare({ maxRedirects: 0 }),
    },
  ];
  for (const { label, lib, around } of libraries) {
    const client = lib.createHttpClient({
      provider: 'bench.fixed',
      baseURL: server.baseURL,
      headers: { 'DF-API-KEY': API_KEY },
      pacing: false,
    });
    const custom: TaskAdapter<string, unknown> = lib.defineAdapter({
      provider: 'bench.fixed',
      async getStatus(id: string, { signal }) {
        const { body: answer } = await client.requestJson(
          { method: 'GET', path: QUERY_PATH, query: { taskId: id }, signal, taskId: id },
          body,
        );
        const word = answer.content.taskStatus;
        return { state: word === 'ok' ? 'succeeded' : 'running', providerState: word, raw: answer };
      },
    });
    const logmine = lib.guanceLogmine({ baseURL: server.baseURL, apiKey: API_KEY, pacing: false });
    closers.push(
      () => client.close(),
      () => logmine.close(),
    );
    contenders.push(
      {
        name: `waitForTask + defineAdapter (${label})`,
        how: '`waitForTask` + `defineAdapter` over the core HTTP client (`requestJson`, body checked with zod)',
        baseline: false,
        wait: (id) => lib.waitForTask(custom, id, BACK_TO_BACK),
        around,
      },
      {
        name: `waitForTask + guanceLogmine (${label})`,
        how: '`waitForTask` + the Guance adapter (`pacing: false`): envelope and body checks, key scrubbing',
        baseline: false,
        wait: (id) => lib.waitForTask(logmine, id, BACK_TO_BACK),
        around,
      },
    );
  }

  const totals = contenders.map(() => ({ polls: 0, wallMs: 0, cpuMs: 0, perRound: [] as number[] }));
  try {
    for (let round = 0; round <= rounds; round += 1) {
      for (let k = 0; k < contenders.length; k += 1) {
        const index = (k + round) % contenders.length;
        const contender = contenders[index] as Contender;
        const undo = contender.around?.();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        try {
          await Promise.all(Array.from({ length: concurrency }, (_, i) => contender.wait(`r${round}c${index}w${i}`)));
        } finally {
          undo?.();
        }
        const wallMs = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        if (round === 0) continue; // warm-up
        const total = totals[index] as (typeof totals)[number];
        total.polls += concurrency * pollsPerWait;
        total.wallMs += wallMs;
        total.cpuMs += (cpu.user + cpu.system) / 1000;
        total.perRound.push((concurrency * pollsPerWait) / (wallMs / 1000));
      }
    }
  } finally {
    for (const close of closers) close();
    await server.close();
  }

  const baseIndex = contenders.findIndex((c) => c.baseline);
  const base = totals[baseIndex] as (typeof totals)[number];
  const basePps = base.polls / (base.wallMs / 1000);
  return {
    concurrency,
    pollsPerWait,
    rounds,
    contenders: contenders.map((c, i) => {
      const t = totals[i] as (typeof totals)[number];
      const pollsPerSecond = t.polls / (t.wallMs / 1000);
      const ratios = t.perRound.map((pps, r) => pps / (base.perRound[r] as number));
      return {
        name: c.name,
        how: c.how,
        baseline: c.baseline,
        polls: t.polls,
        wallMs: t.wallMs,
        cpuMs: t.cpuMs,
        pollsPerSecond,
        cpuMicrosPerPoll: (t.cpuMs * 1000) / t.polls,
        ratio: pollsPerSecond / basePps,
        roundRatio: { p25: quantile(ratios, 0.25), median: quantile(ratios, 0.5), p75: quantile(ratios, 0.75) },
      };
    }),
  };
}
