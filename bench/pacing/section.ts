/**
 * `npm run bench -- pacing`: the shared budget of issue 9 (bench/pacing/scenarios.ts), before and
 * after, each scenario run {@link RUNS} times on the library built from this tree and from the commit
 * before the issue ({@link BEFORE}: its pacer served first come, first served and counted no margin).
 */
import { bundleLibrary, hasRevision, type Bundle } from '../overhead/bundle.js';
import { check, type SectionResult } from '../report.js';
import { deadlines, exactLimit, fairness, fairnessEnds, oracle, SCALE, type RunResult } from './scenarios.js';

/** The commit before issue 9: main with the call context in place, its pacer still FIFO without a margin. */
export const BEFORE = '6600ee3';
/** Runs of each scenario per library. */
const RUNS = 2;
/** The hand margin of the FIFO row with no refusals in (c): 3 %, as the Guance default had (62 s for 60 s). */
const HAND_MARGIN = 0.03;

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const avg = (xs: readonly number[]): number => xs.reduce((sum, x) => sum + x, 0) / xs.length;
/** `mean (min–max)` of whole counts over the runs. */
const spread = (xs: readonly number[]): string => `${avg(xs).toFixed(1)} (${Math.min(...xs)}–${Math.max(...xs)})`;

type Scenario = (lib: Bundle['lib']) => Promise<RunResult>;

async function runs(bundle: Bundle, scenario: Scenario): Promise<RunResult[]> {
  const out: RunResult[] = [];
  for (let i = 0; i < RUNS; i += 1) out.push(await scenario(bundle.lib));
  return out;
}

export async function pacingSection(): Promise<SectionResult> {
  const started = performance.now();
  if (!hasRevision(BEFORE)) throw new Error(`pacing: needs git and the commit ${BEFORE} (the pacer before issue 9)`);
  const before = await bundleLibrary(BEFORE);
  const after = await bundleLibrary();
  const results: Record<string, Record<'before' | 'after', RunResult[]>> = {};
  try {
    for (const [name, scenario] of [
      ['exact', exactLimit],
      ['deadlines', deadlines],
    ] as const) {
      console.error(`pacing: ${name}`);
      results[name] = { before: await runs(before, scenario), after: await runs(after, scenario) };
    }
    // Fairness compares the order: "before" paced with a hand margin, so that no refusal (and no 3 s
    // pause after it) blurs the comparison; (a) already shows what the exact limit costs "before".
    console.error('pacing: fairness');
    const fair: Scenario = (lib) => fairness(lib, HAND_MARGIN);
    results.fairness = { before: await runs(before, fair), after: await runs(after, fairness) };
  } finally {
    before.dispose();
    after.dispose();
  }
  const r = results as Record<'exact' | 'deadlines' | 'fairness', Record<'before' | 'after', RunResult[]>>;
  const fifo = r.fairness.before;
  const o = oracle(fairnessEnds());
  const lagMean = (rs: RunResult[]) => avg(rs.map((x) => x.lagMeanMs));
  const lagP95 = (rs: RunResult[]) => avg(rs.map((x) => x.lagP95Ms));
  const refusedAfter = r.exact.after.map((x) => x.refused);
  const lost = (rs: RunResult[], group: string) => rs.map((x) => x.lost[group] ?? 0);
  // Against FIFO at its best (no refusal, so no pause): the order is what is compared.
  const fairOk = lagMean(r.fairness.after) <= 1.1 * lagMean(fifo) && lagP95(r.fairness.after) <= 1.1 * lagP95(fifo);
  const deadlinesOk = [...lost(r.deadlines.after, 'urgent'), ...lost(r.deadlines.after, 'long')].every((n) => n === 0);
  const exactOk = refusedAfter.every((n) => n === 0);
  const elapsed = (performance.now() - started) / 1000;
  const md = `## Shared budget: the exact limit, deadlines, fairness (issue 9)

\`npm run bench -- pacing\` (bench/pacing/). The real \`guanceLogmine\` adapter over loopback HTTP, against a
server that counts requests on ARRIVAL in a sliding window of the same size as the adapter's pacing (a
request past it is refused with Guance's 401 \`ft.TriggerApiAkCurrentLimiting\`) and knows when each task ends.
"Before" is the library built from ${BEFORE} (the pacer first come, first served, no margin), "after" from this
tree, both built as the package is (bench/overhead/bundle.ts). Time is compressed ${SCALE}×: budgets' windows,
task ends, deadlines and the wait schedule (initialDelayMs, maxDelayMs) are divided by ${SCALE}, so "5 per second"
runs as 5 per ${1000 / SCALE} ms; lags below are multiplied back by ${SCALE}. Guance's own 3 s pause after a refusal is
not scaled. Each cell: the mean over ${RUNS} runs (min–max for counts). Section wall time: ${elapsed.toFixed(0)} s.

| scenario | measure | before | after | goal |
| --- | --- | ---: | ---: | --- |
| (a) exact limit: 50 waits, 5 per second, tasks end at 1–15 s | refusals | ${spread(r.exact.before.map((x) => x.refused))} | ${spread(refusedAfter)} | 0: ${check(exactOk)} |
| | requests | ${spread(r.exact.before.map((x) => x.requests))} | ${spread(r.exact.after.map((x) => x.requests))} | |
| | lag mean / p95 | ${sec(lagMean(r.exact.before))} / ${sec(lagP95(r.exact.before))} | ${sec(lagMean(r.exact.after))} / ${sec(lagP95(r.exact.after))} | |
| (b) deadlines: 40 long waits (end at 30 s) first, then 10 urgent (end at 1 s, timeoutMs 8000), 3 per second | urgent waits lost | ${spread(lost(r.deadlines.before, 'urgent'))} | ${spread(lost(r.deadlines.after, 'urgent'))} | 0 and 0: ${check(deadlinesOk)} |
| | long waits lost | ${spread(lost(r.deadlines.before, 'long'))} | ${spread(lost(r.deadlines.after, 'long'))} | |
| | refusals | ${spread(r.deadlines.before.map((x) => x.refused))} | ${spread(r.deadlines.after.map((x) => x.refused))} | |
| (c) fairness: 50 waits together, 5 per second, tasks end at 6–12 s; "before" paced 5 per ${1000 * (1 + HAND_MARGIN)} ms (a ${100 * HAND_MARGIN} % hand margin, as the Guance default had) | lag mean | ${sec(lagMean(fifo))} | ${sec(lagMean(r.fairness.after))} | after ≤ before + 10 %: ${check(fairOk)}; oracle ${sec(o.meanMs)} |
| | lag p95 | ${sec(lagP95(fifo))} | ${sec(lagP95(r.fairness.after))} | oracle ${sec(o.p95Ms)} |
| | refusals | ${spread(fifo.map((x) => x.refused))} | ${spread(r.fairness.after.map((x) => x.refused))} | |

In (a), every refusal "before" also holds all of the adapter's requests for Guance's 3 s pause, which is most of
its lag. So (c) compares the order: first come, first served paced with a hand margin, as the Guance default did
before (20 per 62 s), against "after" at the exact limit (the hand margin, ${(1000 / SCALE) * HAND_MARGIN} ms here, still lets a few
requests through too early). The oracle of (c) is a simulation, not a run: it knows every end and polls each task
once, at the first instant the window (5 per second, no margin, no latency) allows after its end, tasks in the
order they end. No order that cannot see the ends comes near it; "after" keeps first come, first served among
waits without a near deadline, and its margin costs 2 % of the budget or more.
`;
  const summary = [
    `pacing (a) refusals at the exact limit, after: ${spread(refusedAfter)}: ${check(exactOk)}`,
    `pacing (b) urgent/long lost, after: ${spread(lost(r.deadlines.after, 'urgent'))} / ${spread(lost(r.deadlines.after, 'long'))}: ${check(deadlinesOk)}`,
    `pacing (c) lag mean ${sec(lagMean(r.fairness.after))} vs FIFO ${sec(lagMean(fifo))} (oracle ${sec(o.meanMs)}): ${check(fairOk)}`,
  ].join('\n');
  return { md, summary };
}
