/**
 * Goal 4 end to end: 50 concurrent waits on one Guance key through the real adapter and the simulator
 * over loopback HTTP (bench/ratelimit/guance-e2e.ts), with the adapter's defaults; plus the same without
 * pacing, and with the core from before "pacing wait no longer counts as request time".
 */
import { WAIT_DEFAULTS } from '../../src/core/options.js';
import { bundleLibrary, hasRevision } from '../overhead/bundle.js';
import { check, type SectionResult } from '../report.js';
import { makeFleet } from '../schedule/fleet.js';
import { GUANCE_DEFAULT_PACING, GUANCE_RATE_LIMIT, runKey, STEP_MS, type KeyRunResult } from './guance-e2e.js';

/** The parent of the core commit "pacing wait no longer counts as request time" (14a95b3). */
export const BEFORE_PACING_FIX = 'f929317';

const sec = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '–');
const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : '–');

function table(rows: readonly KeyRunResult[]): string {
  const head =
    '| run | adapter and core | waits succeeded | requests | refused (401 rate limit) | most in one 60 s window | lag mean | lag p95 | mean lag ÷ duration | p95 lag ÷ duration | simulated / real time |';
  const sep = '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const lines = rows.map(
    (r) =>
      `| ${r.name} | ${r.how} | ${r.succeeded} of ${r.waits}${r.failed.length ? ` (others: ${r.failed.join(', ')})` : ''} | ${r.requests} | ${r.rateLimited} | ${r.peakPerWindow} | ${sec(r.lagMeanMs)} | ${sec(r.lagP95Ms)} | ${pct(r.relLagMean)} | ${pct(r.relLagP95)} | ${(r.simulatedMs / 60_000).toFixed(1)} min / ${sec(r.realMs)} |`,
  );
  return [head, sep, ...lines].join('\n');
}

/** Runs the end-to-end goal 4 runs (about 15 s of real time each). */
export async function ratelimitSection(): Promise<SectionResult> {
  const started = performance.now();
  const tasks = makeFleet().slice(0, 50);
  const pacingText = `default pacing (${GUANCE_DEFAULT_PACING.requestsPerInterval} per ${GUANCE_DEFAULT_PACING.intervalMs / 1000} s)`;
  console.error('ratelimit: 50 Guance waits on one key, end to end');
  const rows: KeyRunResult[] = [];
  const paced = await runKey(
    'defaults',
    `\`guanceLogmine\` with its ${pacingText}, default wait options; this tree`,
    tasks,
    {},
  );
  rows.push(paced);
  console.error(`  defaults: ${sec(paced.realMs)}`);
  const unpaced = await runKey(
    'no pacing',
    '`guanceLogmine` with `pacing: false`, default wait options; this tree',
    tasks,
    { pacing: false },
  );
  rows.push(unpaced);
  console.error(`  no pacing: ${sec(unpaced.realMs)}`);
  if (hasRevision(BEFORE_PACING_FIX)) {
    const old = await bundleLibrary(BEFORE_PACING_FIX);
    try {
      const before = await runKey(
        `defaults, core of ${BEFORE_PACING_FIX}`,
        `the same, library built from ${BEFORE_PACING_FIX} (before "pacing wait no longer counts as request time")`,
        tasks,
        {},
        old.lib,
      );
      rows.push(before);
      console.error(`  core of ${BEFORE_PACING_FIX}: ${sec(before.realMs)}`);
    } finally {
      old.dispose();
    }
  }
  const met = paced.succeeded === paced.waits && paced.rateLimited === 0;
  const elapsed = (performance.now() - started) / 1000;
  const durations = tasks.map((t) => t.durationMs);
  const md = `## Goal 4 end to end: 50 Guance waits on one API key (${GUANCE_RATE_LIMIT.limit} requests per ${GUANCE_RATE_LIMIT.intervalMs / 1000} s)

The real \`guanceLogmine\` adapter, over real HTTP on loopback, against the simulator (src/testing), which enforces
Guance's per-key limit (${GUANCE_RATE_LIMIT.limit} requests in any ${GUANCE_RATE_LIMIT.intervalMs / 1000} s, refused with HTTP 401 \`ft.TriggerApiAkCurrentLimiting\`). The 50 tasks are
the first 50 of the schedule fleet (durations ${sec(Math.min(...durations))} to ${(Math.max(...durations) / 60_000).toFixed(1)} min), created in the simulator at t = 0 as if
submitted earlier (the submits are not part of the waits' budget); 50 \`waitForTask\` calls with the default wait
options (initialDelayMs ${WAIT_DEFAULTS.initialDelayMs}, factor ${WAIT_DEFAULTS.factor}, requestTimeoutMs ${WAIT_DEFAULTS.requestTimeoutMs}, …) start at once on one adapter.
Requests and refusals are counted from the simulator's request log. Section wall time: ${elapsed.toFixed(1)} s.

How time is handled: the simulator's \`timeScale\` speeds up task lifecycles only; its rate limiter and the adapter's
pacer both keep the caller's clock, so with \`timeScale\` alone the key still allows 20 requests per *real* minute
and this run would take half an hour. Scaling the adapter's \`pacing.intervalMs\` and the simulator's window down by
the same factor would work too, but would measure a scaled configuration rather than the defaults. So the whole
process runs on one fake clock (@sinonjs/fake-timers faking \`setTimeout\`, \`clearTimeout\` and \`Date\`; \`setImmediate\`,
\`process.nextTick\` and all I/O stay real): poller, pacer, simulated task lifecycles and the simulator's rate limiter
all read the same \`Date.now()\`. The clock advances in steps of at most ${STEP_MS} ms with real I/O let through between
steps, so every HTTP round trip takes at most about one step of simulated time (well inside the pacer's margin: at least 2 % of the 60 s window, 1.2 s).

Lag = when \`waitForTask\` resolved − when the task really ended (simulated time).

${table(rows)}

- 50 waits on one key, default pacing, default options: every wait succeeded, ${paced.rateLimited} rate-limit responses: ${check(met)}.
  The pacer kept the key at ${paced.peakPerWindow} requests in the busiest 60 s window (the limit is ${GUANCE_RATE_LIMIT.limit}).
- The lag they pay: mean ${sec(paced.lagMeanMs)}, p95 ${sec(paced.lagP95Ms)}; relative to the task's duration, mean ${pct(paced.relLagMean)} and p95 ${pct(paced.relLagP95)}.
  That is the budget's price, not the schedule's: ${GUANCE_DEFAULT_PACING.requestsPerInterval} requests per ${GUANCE_DEFAULT_PACING.intervalMs / 1000} s shared by 50 waits is one poll per wait every
  ~${((50 * GUANCE_DEFAULT_PACING.intervalMs) / GUANCE_DEFAULT_PACING.requestsPerInterval / 1000).toFixed(0)} s at best, so a task is seen on average about half of that after it ends; short tasks pay many times
  their duration. (The same waits with no limit at all: see the virtual-time model above, "defaults, no pacing".)
- Without pacing the key is refused at once: ${unpaced.rateLimited} of ${unpaced.requests} requests, and ${unpaced.waits - unpaced.succeeded} of ${unpaced.waits} waits fail
  (${unpaced.failed.join(', ') || 'none'}) once their retries are spent.${
    rows[2]
      ? `
- With the core from before "pacing wait no longer counts as request time" (${BEFORE_PACING_FIX}): ${rows[2].succeeded} of ${rows[2].waits} waits
  succeeded${rows[2].failed.length ? ` (the others ended with ${rows[2].failed.join(', ')}: queueing for a pacing slot counted against requestTimeoutMs)` : ''}, ${rows[2].rateLimited} refused.`
      : ''
  }
`;
  return {
    md,
    summary: `goal 4 end to end: ${met ? 'met' : 'NOT met'} (${paced.succeeded}/${paced.waits} succeeded, ${paced.rateLimited} refused, lag mean ${sec(paced.lagMeanMs)}, p95 ${sec(paced.lagP95Ms)})`,
  };
}
