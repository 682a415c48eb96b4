/** The durable-waits section's table and console line, from the run's figures. */
import { quantile } from '../schedule/stats.js';
import { check, type SectionResult } from '../report.js';
import { dueOffsets, type Figures, type WaitTrace } from './analyse.js';
import type { MemoryTrack } from './procs.js';

/** How the waits ended, as their results read back through the producer. */
export interface Outcomes {
  succeeded: number;
  failed: number;
  /** Not ended, or ended otherwise than its task. */
  lost: number;
}

/** What the timed run hands back (times are epoch ms). */
export interface RunFigures {
  t0: number;
  killAt: number;
  /** The waits the killed worker held (see `heldJobs`). */
  held: ReadonlySet<string>;
  endedAt: number;
  added: { behindMs: number; addMs: number };
  stored: {
    perWaitBytes: number;
    jobHashBytes: number;
    snapshotBytes: number;
    dueSamples: { id: string; attempts: number; due: number }[];
  };
  endedPerWaitBytes: number;
  seen: Outcomes;
  /** The workers', then this process's. */
  rss: MemoryTrack[];
  /** CPU seconds per process (workers, Redis, this one) at the first add, the kill and the end. */
  cpu: { start: number[]; beforeKill: number[]; end: number[] };
  logs: string[];
}

interface Setup {
  waits: number;
  intervalMs: number;
  workers: number;
  concurrency: number;
  startMs: number;
}

const MB = 2 ** 20;
const s = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const stats = (values: readonly number[]): string =>
  values.length === 0
    ? 'none'
    : `${s(quantile(values, 0.5))} / ${s(quantile(values, 0.99))} / ${s(quantile(values, 1))} (${values.length.toLocaleString('en-US')} polls)`;

/** CPU used between two readings, as a share of one core, per process. */
function cpuShares(from: readonly number[], to: readonly number[], ms: number): string {
  const pct = (i: number) => ((((to[i] ?? Number.NaN) - (from[i] ?? Number.NaN)) / (ms / 1000)) * 100).toFixed(0);
  const workers = from.slice(0, -2).map((_, i) => `${pct(i)}%`);
  return `workers ${workers.join(', ')}; Redis ${pct(from.length - 2)}%; simulator + producer ${pct(from.length - 1)}%`;
}

/** `n (CODE/errno × k, …)`. */
function thrown(errors: ReadonlyMap<string, number>): string {
  const total = [...errors.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return '0';
  return `${total} (${[...errors].map(([what, n]) => `${what} × ${n}`).join(', ')})`;
}

/** Redis memory, process memory and CPU. */
function resourceRows(f: RunFigures): [string, string][] {
  const { perWaitBytes, jobHashBytes, snapshotBytes } = f.stored;
  const workerRss = f.rss
    .slice(0, -1)
    .map((r, i) => `${(r.peak / MB).toFixed(0)}/${(r.last / MB).toFixed(0)}${i === 0 ? ' (killed)' : ''}`);
  const main = f.rss[f.rss.length - 1] as MemoryTrack;
  return [
    [
      'Redis memory per waiting task (`used_memory` growth ÷ waits) / one job’s hash / its snapshot as JSON',
      `${perWaitBytes.toFixed(0)} B / ${jobHashBytes.toFixed(0)} B / ${snapshotBytes.toFixed(0)} B`,
    ],
    ['Redis memory per wait once all ended (finished jobs are kept)', `${f.endedPerWaitBytes.toFixed(0)} B`],
    ['worker RSS peak/final, MiB', workerRss.join(', ')],
    [
      'simulator + producer process RSS peak/final, MiB',
      `${(main.peak / MB).toFixed(0)}/${(main.last / MB).toFixed(0)}`,
    ],
    ['CPU, first add → kill (share of one core)', cpuShares(f.cpu.start, f.cpu.beforeKill, f.killAt - f.t0)],
  ];
}

/** The waits the killed worker held and how soon they were polled again. */
function killRows(m: Figures): [string, string][] {
  const { pollsInFlight, activatedOnly, answered, notInLog, recoveryMs, nextPollLatenessMs, unrecovered } = m.kill;
  const spread = (values: readonly number[]) =>
    values.length === 0
      ? 'none'
      : `${s(quantile(values, 0))} / ${s(quantile(values, 0.5))} / ${s(quantile(values, 1))}`;
  const held = pollsInFlight + activatedOnly + answered + notInLog;
  return [
    [
      'SIGKILL: waits the worker held (poll in flight / taken up, not polled / answered, being put back / fetched only)',
      `${held} (${pollsInFlight} / ${activatedOnly} / ${answered} / ${notInLog})`,
    ],
    ['SIGKILL: kill → held wait taken up by another worker, min / median / max', spread(recoveryMs)],
    [
      'SIGKILL: held waits’ next poll, lateness vs `nextPollAt`, min / median / max (below 0: a poll done again)',
      spread(nextPollLatenessMs),
    ],
    ['held waits never taken up again', String(unrecovered)],
  ];
}

/** The section's markdown and summary. */
export function durableMarkdown(input: {
  setup: Setup;
  figures: RunFigures;
  traces: ReadonlyMap<string, WaitTrace>;
  measured: Figures;
  steadyRate: number;
  wallSeconds: number;
}): SectionResult {
  const { setup, figures: f, traces, measured: m, steadyRate } = input;
  const steady = [...m.before, ...m.after];
  const p99 = quantile(steady, 0.99);
  const recoveryMax = quantile(m.kill.recoveryMs, 1);
  // With no wait held at the kill there is nothing to recover: say so rather than call the goal met.
  const recoveryGoal =
    m.kill.recoveryMs.length + m.kill.unrecovered === 0
      ? '(not measured: the killed worker held no wait)'
      : check(m.kill.unrecovered === 0 && recoveryMax <= 15_000);
  const offsets = dueOffsets(traces, f.stored.dueSamples, setup.intervalMs);
  const rows: [string, string][] = [
    ['poll requests (retries included) / that threw', `${m.polls.toLocaleString('en-US')} / ${thrown(m.pollErrors)}`],
    [
      `polls/s, all waits polling, before the kill (demand ${(setup.waits / (setup.intervalMs / 1000)).toFixed(0)}/s)`,
      steadyRate.toFixed(0),
    ],
    ['lateness vs `nextPollAt` p50 / p99 / max, polls due before the kill', stats(m.before)],
    ['lateness p50 / p99 / max, polls due after the kill (3 workers)', stats(m.after)],
    ['lateness p99, both (first polls and the killed worker’s waits excluded)', s(p99)],
    ...resourceRows(f),
    ...killRows(m),
    [
      'waits ended succeeded / failed (as scripted) / lost',
      `${f.seen.succeeded.toLocaleString('en-US')} / ${f.seen.failed.toLocaleString('en-US')} / ${f.seen.lost}`,
    ],
  ];
  const table = rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n');
  const offsetNote =
    offsets.length === 0
      ? 'no sampled snapshot matched'
      : `${Math.min(...offsets)} to ${Math.max(...offsets)} ms over ${offsets.length} sampled waits`;
  const md = `## Durable waits: ${setup.waits.toLocaleString('en-US')} waits on 4 worker processes, one killed

${setup.waits.toLocaleString('en-US')} Guance waits, one poll every ${s(setup.intervalMs)} (fixed schedule, no jitter),
added at an even rate over one interval through \`createWaitQueue\` and held by ${setup.workers}
\`startWaitWorker\` processes (concurrency ${setup.concurrency} each) against the simulator on loopback (rate
limits off; simulator and producer in one process); Redis: a local redis-server, persistence off.
Each task ends midway between two polls, 1 or 2 intervals after it starts; one in ten fails. Half an
interval after the last add, worker 0 is killed with SIGKILL; the waits it held are the jobs active
in the same activation both 1 s and 4.5 s later (a live worker's activation lasts milliseconds, a dead
worker's lock at least 5 s), and their next poll is left out of the lateness. Lateness = a poll's
start − its \`nextPollAt\` (the previous poll's answer + the interval; the snapshots' own \`nextPollAt\`
lie ${offsetNote} from that). Setup: workers started in ${s(setup.startMs)}; adding the waits took
${s(f.added.addMs)} (at most ${s(f.added.behindMs)} behind the even rate; tasks made with \`sim.guance.createTask\`, no HTTP). Section wall time: ${input.wallSeconds.toFixed(0)} s.

| figure | value |
| --- | ---: |
${table}

Goals: lateness p99 ≤ 1 s ${check(p99 <= 1000)}; killed worker's waits taken up again within 15 s ${recoveryGoal}; 0 waits lost ${check(f.seen.lost === 0)}.
`;
  const summary = `durable: ${setup.waits} waits, ${steadyRate.toFixed(0)} polls/s, lateness p99 ${s(p99)}, ${f.stored.perWaitBytes.toFixed(0)} B/wait in Redis, kill → taken up again max ${s(recoveryMax)}, ${f.seen.lost} lost`;
  return { md, summary };
}
