/**
 * Chaos: 1,000 concurrent waits across the four providers against the simulator over real loopback
 * HTTP, with faults injected at random, once per configuration: the issue's mix (asserting its goal,
 * at least 99.5 % of the waits ending in the task's true outcome) and a heavier one. Each run is
 * seeded (the simulator's fault rolls and every task script); it asserts invariants and shares, never
 * exact counts, and writes its figures to `.tmp/reliability/chaos.json`, by configuration (copied into
 * docs/RELIABILITY.md), with every ending that is not the truth and what its requests met.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import dc from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as realSleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isTaskPollError,
  waitForTask,
  type TaskFailedError,
  type TaskStatus,
  type WaitOptions,
} from '../../src/index.js';
import { dgcSystemTasks, type DgcTaskResult } from '../../src/providers/dgc/index.js';
import { edgeLogDump } from '../../src/providers/edge/index.js';
import { guanceLogmine, type GuanceLogmineResult } from '../../src/providers/guance/index.js';
import { workflowTasks } from '../../src/providers/workflow/index.js';
import {
  FAULT_KINDS,
  startSimulator,
  type FaultKind,
  type FaultSpec,
  type RecordedRequest,
  type SimulatedTaskView,
  type Simulator,
} from '../../src/testing/index.js';
import { createRandom } from '../../src/testing/random.js';
import { handles, newHandles } from './helpers.js';

const SEED = 0x5eed_2024;
/** Simulated time runs 600× faster: a 25-minute task takes 2.5 s. */
const TIME_SCALE = 600;
const COUNTS = { guance: 200, edge: 100, dgc: 350, workflow: 350 } as const;
const TOTAL = COUNTS.guance + COUNTS.edge + COUNTS.dgc + COUNTS.workflow;

/**
 * Every wait: 15 s real = 150 simulated minutes; a poll gets 1 s. Polls are a few seconds apart (as
 * they would be minutes apart for real tasks), which keeps the whole run to a few thousand requests:
 * client and simulator share one event loop, and a saturated loop would only measure itself.
 */
const WAIT = {
  timeoutMs: 15_000,
  requestTimeoutMs: 1000,
  initialDelayMs: 2000,
  maxDelayMs: 5000,
  retry: { retries: 6, minDelayMs: 200, maxDelayMs: 2000 },
} as const satisfies WaitOptions;
/** The waits start spread over this long (in a shuffled order), as a service's waits would. */
const START_SPREAD_MS = 2000;
/** What "late" means: later than timeoutMs + requestTimeoutMs after the start, plus this much event-loop slack. */
const LATE_TOLERANCE_MS = 250;

/**
 * The rate limits, scaled up so that 1,000 waits fit in seconds, but of the providers' own kinds: a
 * sliding window per API key (Guance), nginx `limit_req` with a burst per client (MEF), a window per
 * credential (DataArts). Each adapter's pacing stays inside its limit with a margin, as the pacer
 * keeps one on its own (a share of the window, from each request's answer time). Here the margin is
 * 2 s: client and simulator share one event loop and a machine shared with other test runs, and in
 * the first seconds (1,000 first polls) a request can reach the simulator's handler a second or more
 * after it left the client. (The
 * core caps a pacer's concurrency at the agent's 64 sockets, so a request leaves when the pacer lets it
 * go, not later from the agent's queue: see docs/RELIABILITY.md.)
 */
const LIMITS = {
  guance: { sim: { limit: 200, intervalMs: 2000 }, pacing: { requestsPerInterval: 200, intervalMs: 4000 } },
  edge: { sim: { ratePerSecond: 200, burst: 5 }, pacing: { maxConcurrency: 1, requestsPerInterval: 1, intervalMs: 5 } },
  dgc: { sim: { limit: 200, intervalMs: 2000 }, pacing: { requestsPerInterval: 200, intervalMs: 4000 } },
} as const;

/** One way to inject faults, and what the run must show under it. */
interface ChaosConfig {
  /** The key of the run's figures in chaos.json. */
  name: string;
  /**
   * The faults, by per-request probability. One non-latency fault per request, earlier specs tried
   * first, so a later kind fires a little less often than its number.
   */
  faults: FaultSpec[];
  /**
   * 429 bursts on a timer: every `everyMs` the next `count` requests to one provider (in turn) that
   * come within `windowMs` get 429, with `Retry-After` 1 s one burst in three, else 0. The window is
   * a rate limiter's: a serial adapter that honours `Retry-After` meets one refusal, not `count`
   * refusals one second apart.
   */
  bursts429?: { everyMs: number; count: number; windowMs: number };
  /** The least share of the simulator's requests each kind must have really received (`5xx`: server errors and HTML pages). */
  minRates: Partial<Record<FaultKind | '5xx', number>>;
  /** The least share of the waits that must end in the task's true outcome (a timeout while the task still runs is one). */
  minTrueShare: number;
}

/**
 * The heavy mix: more and more kinds of faults than the issue's, for the invariants (typed, on time,
 * no limit tripped, nothing left). The numbers leave the measured rates well above the minimums
 * asserted whatever the number of requests. 429 bursts come on top, on a timer (both configurations).
 */
const HEAVY: ChaosConfig = {
  name: 'heavy',
  faults: [
    { kind: 'server-error', status: 500, probability: 0.03 },
    { kind: 'server-error', status: 503, probability: 0.025 },
    { kind: 'html-page', status: 502, probability: 0.025 },
    { kind: 'reset', probability: 0.04 },
    { kind: 'malformed-json', probability: 0.025 },
    // Realized ~1.5 % (earlier faults take some requests first); 3 % once gave 0.99 %, under the 1 % asserted.
    { kind: 'hang', probability: 0.045 },
    { kind: 'unknown-status', probability: 0.01 },
  ],
  bursts429: { everyMs: 1500, count: 8, windowMs: 1000 },
  minRates: { '5xx': 0.05, reset: 0.02, 'malformed-json': 0.01, hang: 0.01 },
  // Under these faults a wait may still end on a poll whose retries all failed (typed, but not the truth).
  minTrueShare: 0.98,
};

/**
 * The issue's mix (5 % HTTP 500, 2 % resets, 1 % truncated JSON, 1 % hangs, 2 % 429), each kind
 * configured above its share so that the measured rates are at least the mix (asserted):
 * the goal, at least 99.5 % of the waits ending in the task's true outcome, is then met under at
 * least those faults.
 */
const ISSUE_MIX: ChaosConfig = {
  name: 'issue-mix',
  faults: [
    { kind: 'server-error', status: 500, probability: 0.065 },
    { kind: 'reset', probability: 0.032 },
    { kind: 'malformed-json', probability: 0.017 },
    { kind: 'hang', probability: 0.017 },
  ],
  // Bursts rather than a per-request roll: a rate limit refuses for a while, and each 429 with
  // Retry-After pauses the whole adapter. ~3 % of the requests. The margins above the mix are wide
  // enough (several standard deviations at ~3,000 requests) that the measured rates reach the mix
  // however the machine's load changes the number of requests.
  bursts429: { everyMs: 1000, count: 12, windowMs: 1000 },
  minRates: { '5xx': 0.05, reset: 0.02, 'malformed-json': 0.01, hang: 0.01, 'too-many-requests': 0.02 },
  minTrueShare: 0.995,
};

type Provider = keyof typeof COUNTS;
type Truth = 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'long' | 'not-found';

interface Plan {
  provider: Provider;
  ref: unknown;
  /** The simulator id to look the task up by (undefined for ids it does not know). */
  simId: string | undefined;
  truth: Truth;
  acceptPartial: boolean;
  /** What a succeeded wait's result must be. */
  expected?: unknown;
  /** DataArts: through the AK/SK adapter (else the IAM token one). */
  aksk?: boolean;
}

interface Ending {
  plan: Plan;
  startedAt: number;
  endedAt: number;
  kind: string;
  /** Where the wait ended against the truth: 'true-outcome', 'fault', or the violation. */
  verdict: 'true-outcome' | 'fault' | 'timeout-true' | 'violation';
  detail?: string | undefined;
  /** The error's message, for the figures. */
  message?: string | undefined;
  /** The error, to explain the endings that are not the truth. */
  error?: unknown;
}

const figuresPath = join(process.cwd(), '.tmp', 'reliability', 'chaos.json');
/** Every configuration's figures of this run, by name (written after each). */
const allFigures: Record<string, unknown> = {};

let sim: Simulator | undefined;
const closers: (() => void)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0)) close();
  await sim?.close();
});

/** The most arrivals in any window of `intervalMs` (sliding, by arrival time). */
function peakInWindow(times: number[], intervalMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let first = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    while ((sorted[first] as number) <= (sorted[i] as number) - intervalMs) first += 1;
    peak = Math.max(peak, i - first + 1);
  }
  return peak;
}

/** The largest excess nginx's leaky bucket (`rate`, `burst`) would reach over these arrivals (it refuses above `burst`). */
function peakBucketExcess(times: number[], ratePerSecond: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let excess = 0;
  let at = sorted[0] ?? 0;
  let peak = 0;
  for (const time of sorted) {
    excess = Math.max(0, excess - ((time - at) * ratePerSecond) / 1000) + 1;
    at = time;
    peak = Math.max(peak, excess - 1);
  }
  return peak;
}

describe('chaos: 1,000 concurrent waits across four providers, faults at random', () => {
  it.for([ISSUE_MIX, HEAVY])(
    '$name: every wait ends with its true outcome or a typed error, on time; no rate limit tripped by us; nothing left behind',
    { timeout: 60_000 },
    async (config) => {
      const wallStart = Date.now();
      const cpuStart = process.cpuUsage();
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      const baseline = handles();
      // Every request our adapters hand to Node's HTTP client, with the time (its diagnostics channel).
      const sent: { time: number; path: string; token: boolean }[] = [];
      const onSent = (message: unknown): void => {
        const request = (message as { request: ClientRequest }).request;
        sent.push({ time: Date.now(), path: request.path, token: request.getHeader('x-auth-token') !== undefined });
      };
      dc.subscribe('http.client.request.start', onSent);
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      process.on('uncaughtException', onUnhandled);

      sim = await startSimulator({
        seed: SEED,
        timeScale: TIME_SCALE,
        maxRecordedRequests: 1_000_000,
        // The simulator counts its limits on simulated time: the real-time limits above, scaled to it.
        guance: { rateLimit: { ...LIMITS.guance.sim, intervalMs: LIMITS.guance.sim.intervalMs * TIME_SCALE } },
        edge: { rateLimit: { ...LIMITS.edge.sim, ratePerSecond: LIMITS.edge.sim.ratePerSecond / TIME_SCALE } },
        dgc: { rateLimit: { ...LIMITS.dgc.sim, intervalMs: LIMITS.dgc.sim.intervalMs * TIME_SCALE } },
      });
      const s = sim;
      const transport = { requestTimeoutMs: WAIT.requestTimeoutMs };
      const guance = guanceLogmine({
        baseURL: s.guance.baseURL,
        apiKey: s.guance.apiKey,
        ...transport,
        pacing: LIMITS.guance.pacing,
      });
      const edge = edgeLogDump({ baseURL: s.edge.baseURL, ...transport, pacing: LIMITS.edge.pacing });
      const dgcToken = dgcSystemTasks({
        endpoint: s.dgc.endpoint,
        projectId: s.dgc.projectId,
        auth: { token: s.dgc.token },
        ...transport,
        pacing: LIMITS.dgc.pacing,
      });
      const dgcAkSk = dgcSystemTasks({
        endpoint: s.dgc.endpoint,
        projectId: s.dgc.projectId,
        auth: { accessKey: s.dgc.accessKey, secretKey: s.dgc.secretKey },
        ...transport,
        pacing: LIMITS.dgc.pacing,
      });
      const workflow = workflowTasks({
        baseURL: s.workflow.baseURL,
        credentials: s.workflow.credentials,
        ...transport,
      });
      closers.push(
        () => guance.close(),
        () => edge.close(),
        () => dgcToken.close(),
        () => dgcAkSk.close(),
        () => workflow.close(),
      );

      // --- the tasks: scripted with the test's seeded random ---------------------------------------
      const rand = createRandom(SEED).next;
      const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
      const between = (min: number, max: number): number => Math.round(min + rand() * (max - min));
      const hex = (n: number): string =>
        Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
      const truthFor = (outcomes: readonly Truth[]): Truth => {
        const roll = rand();
        if (roll < 0.04) return 'not-found';
        if (roll < 0.08) return 'long';
        if (roll < 0.75) return 'succeeded';
        return pick(outcomes);
      };
      /** Simulated times: queued up to 1 min, running 1 to 60 min (0.1 to 6 s of real time); 'long' runs 10 h. */
      const life = (truth: Truth) => ({
        queuedMs: between(0, 60_000),
        durationMs: truth === 'long' ? 36_000_000 : between(60_000, 3_600_000),
      });

      const plans: Plan[] = [];
      for (let i = 0; i < COUNTS.guance; i += 1) {
        const truth = truthFor(['failed']);
        if (truth === 'not-found') {
          plans.push({
            provider: 'guance',
            ref: `logminetask${hex(20)}`,
            simId: undefined,
            truth,
            acceptPartial: false,
          });
          continue;
        }
        const clusters = [{ count: 2, docids: [`L_${i}_a`, `L_${i}_b`], message: `cluster ${i}` }];
        const id = s.guance.createTask({
          ...life(truth),
          outcome: truth === 'failed' ? 'failed' : 'succeeded',
          clusters,
        });
        plans.push({
          provider: 'guance',
          ref: id,
          simId: id,
          truth,
          acceptPartial: false,
          expected: {
            docCount: 2,
            clusters: [{ count: 2, docIds: [`L_${i}_a`, `L_${i}_b`], message: `cluster ${i}` }],
          } satisfies GuanceLogmineResult,
        });
      }
      for (let i = 0; i < COUNTS.edge; i += 1) {
        const truth = truthFor(['failed', 'partial']);
        if (truth === 'not-found') {
          plans.push({
            provider: 'edge',
            ref: `dumpMultiNodesLog.${hex(24)}`,
            simId: undefined,
            truth,
            acceptPartial: false,
          });
          continue;
        }
        const outcome = truth === 'failed' || truth === 'partial' ? truth : 'succeeded';
        const id = s.edge.createTask([1, 2, 3].slice(0, between(1, 3)), { ...life(truth), outcome });
        plans.push({
          provider: 'edge',
          ref: id,
          simId: id,
          truth,
          acceptPartial: rand() < 0.5,
          expected: { fileName: 'edgeNodes.tar.gz' },
        });
      }
      for (let i = 0; i < COUNTS.dgc; i += 1) {
        const truth = truthFor(['failed', 'partial']);
        const viaAkSk = i % 2 === 1;
        if (truth === 'not-found') {
          plans.push({ provider: 'dgc', ref: hex(32), simId: undefined, truth, acceptPartial: false, aksk: viaAkSk });
          continue;
        }
        const outcome = truth === 'failed' || truth === 'partial' ? truth : 'succeeded';
        const subtasks = [`Import job [job_${i}].`, `Import job [job_${i}_b].`];
        const id = s.dgc.createTask({ ...life(truth), outcome, subtasks });
        plans.push({
          provider: 'dgc',
          ref: id,
          simId: id,
          truth,
          acceptPartial: rand() < 0.5,
          expected: subtasks,
          aksk: viaAkSk,
        });
      }
      for (let i = 0; i < COUNTS.workflow; i += 1) {
        const truth = truthFor(['failed', 'cancelled']);
        if (truth === 'not-found') {
          plans.push({
            provider: 'workflow',
            ref: { jobId: 9_000_000 + i, taskId: hex(32) },
            simId: undefined,
            truth,
            acceptPartial: false,
          });
          continue;
        }
        const outcome = truth === 'failed' || truth === 'cancelled' ? truth : 'succeeded';
        const rows = [
          [`player${i}`, '0.15'],
          [`team${i}`, '0.45'],
        ];
        const jobId = s.workflow.createJob('wf-chaos', {
          ...life(truth),
          outcome,
          tasks: [{ name: 'PageRank', rows }],
        });
        const taskId = (s.workflow.task(String(jobId)) as { tasks: { id: string }[] }).tasks[0]!.id;
        plans.push({
          provider: 'workflow',
          ref: { jobId, taskId },
          simId: String(jobId),
          truth,
          acceptPartial: false,
          expected: { rows },
        });
      }

      const viewOf = (plan: Plan): SimulatedTaskView | undefined => {
        if (plan.simId === undefined) return undefined;
        return s[plan.provider].task(plan.simId);
      };

      // --- the faults ---------------------------------------------------------------------------------
      for (const fault of config.faults) s.faults.add(fault);
      // 429 bursts (config.bursts429): the next requests to one provider (in turn), for a while, get 429 with Retry-After 0 or 1 s.
      const burstOrder: Provider[] = ['dgc', 'workflow', 'guance', 'edge'];
      let bursts = 0;
      const burst = config.bursts429;
      const burstEnds = new Set<NodeJS.Timeout>();
      const burstTimer =
        burst &&
        setInterval(() => {
          const provider = burstOrder[bursts % burstOrder.length] as Provider;
          const handle = s.faults.add({
            kind: 'too-many-requests',
            provider,
            count: burst.count,
            retryAfterS: bursts % 3 === 0 ? 1 : 0,
          });
          const end = setTimeout(() => {
            burstEnds.delete(end);
            handle.remove();
          }, burst.windowMs);
          burstEnds.add(end);
          bursts += 1;
        }, burst.everyMs);
      // Mid-run, every Explorer session expires: the waits in flight share one new login.
      const expireTimer = setTimeout(() => s.workflow.expireTokens(), 5000);

      // --- the waits ---------------------------------------------------------------------------------
      const adapterOf = (plan: Plan) => {
        switch (plan.provider) {
          case 'guance':
            return guance;
          case 'edge':
            return edge;
          case 'dgc':
            return plan.aksk === true ? dgcAkSk : dgcToken;
          case 'workflow':
            return workflow;
        }
      };
      const judge = (
        plan: Plan,
        outcome: { value?: TaskStatus; error?: unknown },
      ): Pick<Ending, 'kind' | 'verdict' | 'detail'> => {
        const view = viewOf(plan);
        if (outcome.value !== undefined) {
          const status = outcome.value;
          if (
            view === undefined ||
            view.state !== status.state ||
            !(status.state === 'succeeded' || (status.state === 'partial' && plan.acceptPartial))
          ) {
            return { kind: `resolved:${status.state}`, verdict: 'violation', detail: `sim says ${view?.state}` };
          }
          // The typed result is the one the task was scripted with (DataArts: its sub-task names).
          const result =
            plan.provider === 'dgc'
              ? (status.result as DgcTaskResult | undefined)?.subtasks.map((t) => t.name)
              : status.result;
          if (status.state === 'succeeded' && JSON.stringify(result) !== JSON.stringify(plan.expected)) {
            return { kind: 'resolved:succeeded', verdict: 'violation', detail: 'wrong result' };
          }
          return { kind: `resolved:${status.state}`, verdict: 'true-outcome' };
        }
        const error = outcome.error;
        if (!isTaskPollError(error)) {
          return {
            kind: `untyped:${error instanceof Error ? error.name : typeof error}`,
            verdict: 'violation',
            detail: String(error),
          };
        }
        const kind = error.code;
        switch (error.code) {
          case 'TASK_FAILED': {
            const state = (error as TaskFailedError).status.state;
            const ok =
              view !== undefined &&
              view.state === state &&
              ['failed', 'cancelled', 'partial'].includes(state) &&
              !(state === 'partial' && plan.acceptPartial);
            return {
              kind: `${kind}:${state}`,
              verdict: ok ? 'true-outcome' : 'violation',
              detail: ok ? undefined : `sim says ${view?.state}`,
            };
          }
          case 'TASK_NOT_FOUND':
            return { kind, verdict: plan.truth === 'not-found' ? 'true-outcome' : 'violation' };
          case 'TASK_TIMEOUT':
            // A task that is still running at the deadline: its true outcome. One that had ended: the faults cost it.
            return {
              kind,
              verdict:
                view !== undefined && !['succeeded', 'partial', 'failed', 'cancelled'].includes(view.state)
                  ? 'timeout-true'
                  : 'fault',
            };
          case 'AUTHENTICATION_FAILED':
            // The credentials are right: only a credential answer whose body a fault cut in half can read
            // as a refusal (checked against the simulator's log below).
            return { kind, verdict: 'fault' };
          case 'ADAPTER_ERROR':
          case 'CALLBACK_FAILED':
          case 'TASK_ABORTED':
            // None of these can come from the injected faults: nothing aborts, no callback, adapters are sound.
            return { kind, verdict: 'violation', detail: error.message };
          default:
            // NetworkError / HttpError after the retries, ProviderError, ResponseValidationError (a malformed body).
            return { kind, verdict: 'fault' };
        }
      };

      const startOffsets = plans.map(() => Math.floor(rand() * START_SPREAD_MS));
      const endings: Ending[] = await Promise.all(
        plans.map(async (plan, i) => {
          await realSleep(startOffsets[i]);
          const startedAt = Date.now();
          const adapter = adapterOf(plan) as Parameters<typeof waitForTask>[0];
          let outcome: { value?: TaskStatus; error?: unknown };
          try {
            outcome = { value: await waitForTask(adapter, plan.ref, { ...WAIT, acceptPartial: plan.acceptPartial }) };
          } catch (error) {
            outcome = { error };
          }
          const endedAt = Date.now();
          const message = outcome.error instanceof Error ? outcome.error.message : undefined;
          return { plan, startedAt, endedAt, message, error: outcome.error, ...judge(plan, outcome) };
        }),
      );
      clearInterval(burstTimer);
      for (const end of burstEnds) clearTimeout(end);
      clearTimeout(expireTimer);
      const waitsDoneAt = Date.now();
      loopDelay.disable();
      dc.unsubscribe('http.client.request.start', onSent);
      const cpu = process.cpuUsage(cpuStart);

      // --- what the simulator saw ------------------------------------------------------------------
      const requests = s.requests;
      const injected: Partial<Record<FaultKind, number>> = {};
      for (const request of requests) for (const kind of request.faults) injected[kind] = (injected[kind] ?? 0) + 1;
      // Refusals by the simulator's limiters: answers of the provider itself (no fault answered before it).
      const PRE_HANDLER: readonly FaultKind[] = ['hang', 'reset', 'server-error', 'too-many-requests', 'html-page'];
      const clean = (r: RecordedRequest) => !r.faults.some((kind) => PRE_HANDLER.includes(kind));
      const byProvider = (p: Provider) => requests.filter((r) => r.provider === p);
      const refusedByLimit = {
        guance: byProvider('guance').filter((r) => clean(r) && r.status === 401).length,
        edge: byProvider('edge').filter((r) => clean(r) && r.status === 429).length,
        dgc: byProvider('dgc').filter((r) => clean(r) && r.status === 429).length,
      };
      // A refusal a fault garbled (a 401 cut in half) may read as "credentials refused"; nothing else may.
      const garbledCredentialAnswers = requests.filter(
        (r) => r.faults.includes('malformed-json') && r.status === 401,
      ).length;
      // Peaks of the limits' own measures, by the time the simulator read each request and by the time it left the client.
      const at = (list: { time: number }[]) => list.map((r) => r.time);
      const dgcSim = (token: boolean) =>
        byProvider('dgc').filter((r) => (r.headers['x-auth-token'] !== undefined) === token);
      const sentTo = (prefix: string, token?: boolean) =>
        sent.filter((r) => r.path.startsWith(prefix) && (token === undefined || r.token === token));
      const dgcPrefix = `/v1/${s.dgc.projectId}/`;
      const window = (list: { time: number }[], limit: { limit: number; intervalMs: number }) => ({
        limit: limit.limit,
        intervalMs: limit.intervalMs,
        peak: peakInWindow(at(list), limit.intervalMs),
      });
      const bucket = (list: { time: number }[]) =>
        Number(peakBucketExcess(at(list), LIMITS.edge.sim.ratePerSecond).toFixed(2));
      const peaks = {
        simulator: {
          guance: window(byProvider('guance'), LIMITS.guance.sim),
          dgcToken: window(dgcSim(true), LIMITS.dgc.sim),
          dgcAkSk: window(dgcSim(false), LIMITS.dgc.sim),
          edge: { burst: LIMITS.edge.sim.burst, peakExcess: bucket(byProvider('edge')) },
        },
        client: {
          guance: window(sentTo('/api/v1/logmine/'), LIMITS.guance.sim),
          dgcToken: window(sentTo(dgcPrefix, true), LIMITS.dgc.sim),
          dgcAkSk: window(sentTo(dgcPrefix, false), LIMITS.dgc.sim),
          edge: { burst: LIMITS.edge.sim.burst, peakExcess: bucket(sentTo('/edgemanager/')) },
        },
      };

      // --- close everything, then look for what is left -------------------------------------------
      for (const close of closers.splice(0)) close();
      await s.close();
      sim = undefined;
      const left = await newHandles(baseline);
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);

      // --- figures -----------------------------------------------------------------------------------
      const count = <K extends string>(keys: K[]): Record<K, number> => {
        const out = {} as Record<K, number>;
        for (const key of keys.sort()) out[key] = (out[key] ?? 0) + 1;
        return out;
      };
      const bound = WAIT.timeoutMs + WAIT.requestTimeoutMs;
      const durations = endings.map((e) => e.endedAt - e.startedAt);
      const late = endings.filter((e) => e.endedAt - e.startedAt > bound + LATE_TOLERANCE_MS);
      const violations = endings.filter((e) => e.verdict === 'violation');
      // The endings that are not the truth, each with what its task's requests met (by the simulator's log).
      const toReal = (simTime: number): number => {
        const ref = requests[0];
        return ref === undefined ? simTime : ref.time + (simTime - ref.simTime) / TIME_SCALE;
      };
      const idsOf = (plan: Plan): string[] =>
        plan.simId !== undefined
          ? [plan.simId]
          : typeof plan.ref === 'string'
            ? [plan.ref]
            : [String((plan.ref as { jobId: number }).jobId)];
      const missed = endings.filter((e) => e.verdict !== 'true-outcome' && e.verdict !== 'timeout-true');
      const misses = missed.map((e) => {
        const error = e.error as
          | { code?: string; cause?: { code?: string }; attempts?: number; lastStatus?: TaskStatus }
          | undefined;
        const ids = idsOf(e.plan);
        const view = viewOf(e.plan);
        const polls = requests
          .filter(
            (r) =>
              r.provider === e.plan.provider &&
              ids.some((id) => r.path.includes(id) || Object.values(r.query).includes(id)),
          )
          .map((r) => ({
            atMs: r.time - e.startedAt,
            route: r.route,
            status: r.status ?? r.outcome,
            faults: r.faults.join('+') || undefined,
          }));
        return {
          provider: e.plan.provider,
          truth: e.plan.truth,
          kind: e.kind,
          cause: error?.cause?.code,
          attempts: error?.attempts,
          lastState: error?.lastStatus?.state,
          simState: view?.state,
          taskEndedAtMs: view === undefined ? undefined : Math.round(toReal(view.finishedAt.getTime()) - e.startedAt),
          endedAtMs: e.endedAt - e.startedAt,
          polls,
        };
      });
      const figures = {
        config: { name: config.name, faults: config.faults, bursts429: config.bursts429 },
        seed: SEED,
        node: process.version,
        cpus: cpus().length,
        wallMs: Date.now() - wallStart,
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        eventLoopDelayMs: {
          p50: Math.round(loopDelay.percentile(50) / 1e6),
          p99: Math.round(loopDelay.percentile(99) / 1e6),
          max: Math.round(loopDelay.max / 1e6),
        },
        waitsMs: waitsDoneAt - wallStart,
        waits: { total: endings.length, byProvider: count(endings.map((e) => e.plan.provider)) },
        truths: count(endings.map((e) => e.plan.truth)),
        requests: { total: requests.length, byProvider: count(requests.map((r) => r.provider ?? 'none')) },
        faultsInjected: { ...injected, total: requests.filter((r) => r.faults.length > 0).length },
        faultRates: Object.fromEntries(
          Object.entries(injected).map(([k, v]) => [k, Number(((v as number) / requests.length).toFixed(4))]),
        ),
        bursts429: bursts,
        outcomes: count(endings.map((e) => e.kind)),
        outcomesByProvider: Object.fromEntries(
          (Object.keys(COUNTS) as Provider[]).map((p) => [
            p,
            count(endings.filter((e) => e.plan.provider === p).map((e) => e.kind)),
          ]),
        ),
        verdicts: count(endings.map((e) => e.verdict)),
        sampleMessages: Object.fromEntries(
          [...new Set(endings.map((e) => `${e.plan.provider} ${e.kind}`))].map((key) => [
            key,
            [
              ...new Set(
                endings
                  .filter((e) => `${e.plan.provider} ${e.kind}` === key && e.message)
                  .map((e) => (e.message as string).replace(/\d+/g, 'N')),
              ),
            ].slice(0, 3),
          ]),
        ),
        violations: violations
          .slice(0, 10)
          .map((e) => ({ provider: e.plan.provider, truth: e.plan.truth, kind: e.kind, detail: e.detail })),
        trueShare: (endings.length - missed.length) / endings.length,
        missesByKind: count(misses.map((m) => `${m.provider} ${m.kind}${m.cause ? ` (cause ${m.cause})` : ''}`)),
        misses: misses.slice(0, 40),
        timing: {
          boundMs: bound,
          toleranceMs: LATE_TOLERANCE_MS,
          late: late.length,
          maxWaitMs: Math.max(...durations),
          maxOverTimeoutMs: Math.max(...durations) - WAIT.timeoutMs,
        },
        rateLimit: { refusedByLimit, injected429: injected['too-many-requests'] ?? 0, peaks },
        authErrors: {
          count: endings.filter((e) => e.kind === 'AUTHENTICATION_FAILED').length,
          garbledCredentialAnswers,
        },
        unhandledRejections: unhandled.length,
        leakedHandles: left,
      };
      mkdirSync(join(process.cwd(), '.tmp', 'reliability'), { recursive: true });
      allFigures[config.name] = figures;
      writeFileSync(figuresPath, `${JSON.stringify(allFigures, null, 2)}\n`);
      const outcomeLine = Object.entries(figures.verdicts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      const faultLine = Object.entries(injected)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.log(
        `chaos ${config.name}: ${endings.length} waits, ${requests.length} requests in ${figures.waitsMs} ms; faults: ${faultLine}; ` +
          `endings: ${outcomeLine}; late ${late.length}; max ${figures.timing.maxWaitMs} ms; refused by limits ${refusedByLimit.guance + refusedByLimit.edge + refusedByLimit.dgc}; ` +
          `unhandled ${unhandled.length}; leaked ${JSON.stringify(left)}; cpu ${figures.cpuMs} ms; loop delay max ${figures.eventLoopDelayMs.max} ms`,
      );

      // --- the invariants ----------------------------------------------------------------------------
      expect(endings).toHaveLength(TOTAL);
      expect(figures.violations).toEqual([]);
      expect(unhandled).toEqual([]);
      expect(late.map((e) => e.endedAt - e.startedAt)).toEqual([]);
      expect(refusedByLimit).toEqual({ guance: 0, edge: 0, dgc: 0 });
      // What left the client never exceeded a limit; the simulator's limiters refused nothing (above). The
      // simulator's own arrival peaks are figures only: it reads requests late when the shared loop is busy.
      for (const one of [peaks.client.guance, peaks.client.dgcToken, peaks.client.dgcAkSk])
        expect(one.peak).toBeLessThanOrEqual(one.limit);
      expect(peaks.client.edge.peakExcess).toBeLessThanOrEqual(LIMITS.edge.sim.burst);
      expect(peaks.simulator.edge.peakExcess).toBeLessThanOrEqual(LIMITS.edge.sim.burst);
      expect(figures.authErrors.count).toBeLessThanOrEqual(garbledCredentialAnswers);
      expect(left).toEqual({});
      // The faults really were injected at the rates asked for (over every request the simulator saw).
      const rate = (kind: FaultKind) => (injected[kind] ?? 0) / requests.length;
      const rates = {
        ...Object.fromEntries(FAULT_KINDS.map((kind) => [kind, rate(kind)])),
        '5xx': rate('server-error') + rate('html-page'),
      };
      for (const [kind, min] of Object.entries(config.minRates))
        expect(rates[kind as keyof typeof rates], `rate of ${kind}`).toBeGreaterThanOrEqual(min);
      expect(injected['too-many-requests'] ?? 0).toBeGreaterThan(0);
      // The goal: this share of the waits ended in their task's true outcome; every other ending is typed (above).
      expect(figures.trueShare).toBeGreaterThanOrEqual(config.minTrueShare);
    },
  );
});
