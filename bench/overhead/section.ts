/**
 * Overhead and scale: polls per second of `waitForTask` against a bare axios loop (real HTTP on
 * loopback), and 10,000 concurrent waits against one simulator. Each is measured for the library as it
 * is now and, when the revision is there, as it was before the overhead changes, in the same run.
 */
import { check, type SectionResult } from '../report.js';
import { abortSignalCost } from './abort-cost.js';
import { bundleLibrary, hasRevision, type Bundle } from './bundle.js';
import { measureOverhead, type OverheadResult } from './overhead.js';
import { measureScale, type ScaleResult, type ScaleSettings } from './scale.js';
import { seen, subscribeEverywhere } from './subscriber.js';

/** The core before the overhead changes of bench/overhead (the parent of 3a6ae50). */
export const BEFORE_OVERHEAD_CHANGES = '8fca6f6';
/** The core before the diagnostics channels were published (the contract only: nothing published yet). */
export const BEFORE_DIAGNOSTICS = '83d65e3';
/** The label of the working tree measured with a subscriber on every diagnostics channel. */
const WITH_SUBSCRIBER = 'now, with a subscriber';

const THROUGHPUT = { concurrency: 16, pollsPerWait: 25, rounds: 30 } as const;
const SERIAL = { concurrency: 1, pollsPerWait: 200, rounds: 16 } as const;
const SCALE: ScaleSettings = {
  waits: 10_000,
  taskMs: [15_000, 25_000],
  wait: { initialDelayMs: 15_000, requestTimeoutMs: 60_000 },
};
const GOAL_RATIO = 0.9;

const fixed = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const mib = (x: number): string => `${x.toFixed(0)} MiB`;

function overheadTable(result: OverheadResult): string {
  const head = '| contender | how | polls/s | ÷ bare axios loop | per-round ratio: median [p25, p75] | CPU µs/poll |';
  const sep = '| --- | --- | ---: | ---: | ---: | ---: |';
  const lines = result.contenders.map(
    (c) =>
      `| ${c.name} | ${c.how} | ${c.pollsPerSecond.toFixed(0)} | ${fixed(c.ratio)} | ${fixed(c.roundRatio.median)} [${fixed(c.roundRatio.p25)}, ${fixed(c.roundRatio.p75)}] | ${c.cpuMicrosPerPoll.toFixed(0)} |`,
  );
  return [head, sep, ...lines].join('\n');
}

function handles(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([kind, n]) => `${kind} ${n}`).join(', ');
}

function scaleTable(columns: readonly { label: string; r: ScaleResult }[]): string {
  const row = (name: string, value: (r: ScaleResult) => string): string =>
    `| ${name} | ${columns.map(({ r }) => value(r)).join(' | ')} |`;
  return [
    `| | ${columns.map((c) => c.label).join(' | ')} |`,
    `| --- | ${columns.map(() => '---:').join(' | ')} |`,
    row(
      'waits that completed / succeeded',
      (r) => `${r.completed} / ${r.succeeded}${r.failedWaits.length ? ` (${r.failedWaits.join(', ')})` : ''}`,
    ),
    row('polls (failed polls, retried)', (r) => `${r.polls} (${r.failedPolls})`),
    row('wall time', (r) => `${(r.wallMs / 1000).toFixed(1)} s`),
    row(
      'CPU time of the waiting process (user + system)',
      (r) =>
        `${(r.cpuMs / 1000).toFixed(1)} s (${(r.cpuUserMs / 1000).toFixed(1)} + ${(r.cpuSystemMs / 1000).toFixed(1)})`,
    ),
    row('CPU per poll', (r) => `${((r.cpuMs * 1000) / r.polls).toFixed(0)} µs`),
    row('RSS before the waits → peak RSS of the process', (r) => `${mib(r.rssBeforeMiB)} → ${mib(r.peakRssMiB)}`),
    row(
      'heap per wait just after the start (first polls on the wire or waiting for a socket)',
      (r) => `${(r.heapPerStartingWaitBytes / 1024).toFixed(1)} KiB`,
    ),
    row(
      'heap per waiting task (all pending, none in flight)',
      (r) =>
        `${(r.heapPerWaitBytes / 1024).toFixed(1)} KiB${r.inFlightAtHeapSample > 0 ? ` (${r.inFlightAtHeapSample} in flight)` : ''}`,
    ),
    row(
      'active handles before the adapter / after close()',
      (r) => `${handles(r.handlesBefore)} / ${handles(r.handlesAfter)}`,
    ),
    row(
      'simulator: requests, by status',
      (r) =>
        `${r.simulator.requests}: ${Object.entries(r.simulator.byStatus)
          .map(([s, n]) => `${s} × ${n}`)
          .join(', ')}`,
    ),
    row('simulator process CPU', (r) => `${(r.simulator.cpuMs / 1000).toFixed(1)} s`),
  ].join('\n');
}

const sameHandles = (a: Record<string, number>, b: Record<string, number>): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** Runs both parts (about two and a half minutes with the "before" revision, half that without). */
export async function overheadSection(): Promise<SectionResult> {
  const started = performance.now();
  console.error('overhead: building the library (working tree and before)');
  const after = await bundleLibrary();
  const before: Bundle | undefined = hasRevision(BEFORE_OVERHEAD_CHANGES)
    ? await bundleLibrary(BEFORE_OVERHEAD_CHANGES)
    : undefined;
  const beforeDiagnostics: Bundle | undefined = hasRevision(BEFORE_DIAGNOSTICS)
    ? await bundleLibrary(BEFORE_DIAGNOSTICS)
    : undefined;
  try {
    const libraries = [
      { label: 'now', lib: after.lib },
      { label: WITH_SUBSCRIBER, lib: after.lib, around: subscribeEverywhere },
      ...(beforeDiagnostics
        ? [{ label: `before diagnostics, ${BEFORE_DIAGNOSTICS}`, lib: beforeDiagnostics.lib }]
        : []),
      ...(before ? [{ label: `before, ${BEFORE_OVERHEAD_CHANGES}`, lib: before.lib }] : []),
    ];
    console.error(`  back to back, ${THROUGHPUT.concurrency} loops at once`);
    const throughput = await measureOverhead(libraries, THROUGHPUT);
    console.error('  back to back, one loop');
    const serial = await measureOverhead(libraries, SERIAL);
    console.error(`scale: ${SCALE.waits} waits (now)`);
    const scaleNow = await measureScale(after.entryPath, SCALE);
    let scaleBefore: ScaleResult | undefined;
    if (before) {
      console.error(`scale: ${SCALE.waits} waits (before, ${BEFORE_OVERHEAD_CHANGES})`);
      scaleBefore = await measureScale(before.entryPath, SCALE);
    }
    const abortCost = abortSignalCost();
    const elapsed = (performance.now() - started) / 1000;

    const custom = (r: OverheadResult, label: string) =>
      r.contenders.find((c) => c.name === `waitForTask + defineAdapter (${label})`);
    const provider = (r: OverheadResult, label: string) =>
      r.contenders.find((c) => c.name === `waitForTask + guanceLogmine (${label})`);
    const tNow = custom(throughput, 'now');
    const sNow = custom(serial, 'now');
    const tGuance = provider(throughput, 'now');
    const goalThroughput = (tNow?.ratio ?? 0) >= GOAL_RATIO;
    const goalSerial = (sNow?.ratio ?? 0) >= GOAL_RATIO;
    const scaleOk =
      scaleNow.completed === SCALE.waits &&
      scaleNow.succeeded === SCALE.waits &&
      sameHandles(scaleNow.handlesBefore, scaleNow.handlesAfter);
    const beforeLabel = `before, ${BEFORE_OVERHEAD_CHANGES}`;
    const diagnostics = diagnosticsNote(throughput, serial);

    const md = `## Library overhead (real HTTP on loopback)

Polls per second of \`waitForTask\` against a bare axios loop on the same endpoint, measured in one process in
interleaved rounds: after one warm-up round, every round runs each contender in turn (the order rotates by one
each round) so that machine noise falls on all of them alike. In each round a contender runs N waits at once, each
polling its own task id back to back (no delay: \`initialDelayMs: 0, maxDelayMs: 0, factor: 1, jitter: 0\`) until the
server says \`ok\` after ${THROUGHPUT.pollsPerWait} polls (${SERIAL.pollsPerWait} for the single loop). "÷ bare axios loop" divides the totals over all measured rounds;
the per-round ratio divides each round's polls/s by the bare loop's in the same round. CPU µs/poll is this
process's CPU time (user + system) while the contender ran. Section wall time (with the scale runs below):
${elapsed.toFixed(0)} s.

- The endpoint is a minimal node:http server in a child process (bench/overhead/fixed-server.ts) answering Guance's
  \`query_task\` envelope, not the simulator: the simulator does far more per request (request log with header
  redaction, fault planning, a fresh envelope with a random traceId) and in the same process would dilute the ratio
  toward 1; in its own process, the client's cost is what is measured.
- Same agent settings everywhere: \`new http.Agent({ keepAlive: true, maxSockets: 64 })\`, which is what the core
  client makes for itself. The core client also sets \`maxRedirects: 0\` (no follow-redirects wrapper); the second
  bare row has that too, for comparison.
- \`waitForTask + defineAdapter\`: a custom adapter calling the endpoint through the core HTTP client
  (\`requestJson\` with a zod schema), as the built-in providers do; \`waitForTask\` rather than \`pollTask\`: both run
  the same loop, \`waitForTask\` is what users call. \`waitForTask + guanceLogmine\`: the real Guance adapter with
  \`pacing: false\`.
- The library is built from source as the package is (tsup: ESM, target node20, p-retry bundled, no keepNames;
  bench/overhead/bundle.ts) into a temporary directory. Running the sources through tsx would also measure esbuild's
  \`keepNames\` helper, an \`Object.defineProperty\` on every closure, which the published build does not have.
  "${beforeLabel}" is the same build of the core before the overhead changes below.

### ${THROUGHPUT.concurrency} loops at once (throughput; this process's CPU is the bottleneck)

${overheadTable(throughput)}

### One loop (latency)

${overheadTable(serial)}

Goal (at least ${GOAL_RATIO} of the bare loop's polls/s):
- ${THROUGHPUT.concurrency} loops at once: \`waitForTask + defineAdapter\` at ${fixed(tNow?.ratio ?? Number.NaN, 3)} of the bare loop: ${check(goalThroughput)}
  (the Guance adapter: ${fixed(tGuance?.ratio ?? Number.NaN, 3)}).
- One loop: ${fixed(sNow?.ratio ?? Number.NaN, 3)}: ${check(goalSerial)}. One loop is latency-bound: every microsecond the client spends is added
  to each round trip, and what the library does per poll is not shared with other polls in flight: a fresh
  \`AbortController\` for the adapter's \`ctx.signal\`, the two timers of the poll's and the request's time limits,
  the body check, and the async layers between \`waitForTask\` and axios (CPU per poll: ${sNow ? sNow.cpuMicrosPerPoll.toFixed(0) : '–'} µs against the bare
  loop's ${serial.contenders[0]?.cpuMicrosPerPoll.toFixed(0) ?? '–'} µs).
- Machine noise: other processes shared the 2 cores; the quartiles of the per-round ratios show how much one
  round differs from the next. Whole runs of this section, repeated on this machine while other work ran, gave
  ${THROUGHPUT.concurrency}-loop ratios for \`waitForTask + defineAdapter\` from 0.86 to 0.98 (six runs), with "before" below "now"
  every time.

${diagnostics}

### What was changed (src/core), measured above as "now" against "${beforeLabel}"

- A poll's first attempt ran inside p-retry, whose per-call set-up (options copy and checks, its own bookkeeping)
  was the largest single item of the poller in a CPU profile of the back-to-back loop; now the first attempt runs
  directly and p-retry takes over from the first failure (same retry count and delays: test/core/poller-retries.test.ts).
- \`sleep(0)\` went through \`setTimeout\`, which Node clamps to 1 ms: a zero delay (back-to-back polls, a server's
  \`pollAfterMs: 0\`, a zero retry delay) cost a millisecond and a timer. It now takes the next event-loop turn
  (\`setImmediate\`). This is most of the single-loop difference.
- Abort plumbing: in Node 20 the first listener added to a fresh \`AbortSignal\` is expensive (measured in this run:
  \`new AbortController()\` ${fixed(abortCost.controllerMicros)} µs, its first \`abort\` listener ${fixed(abortCost.firstListenerMicros, 1)} µs more, adding and removing one on a signal
  that is not fresh ${fixed(abortCost.reusedListenerMicros)} µs), and every poll made two fresh
  signals (the poll's and the request's) and listened to both. The signals \`linkAbort\` makes now call their
  subscribers themselves (\`sleep\`, \`raceAbort\` and child links subscribe through \`onAbort\`), so our own
  subscriptions add no \`EventTarget\` listener; a caller's signal still gets exactly one, removed at the end.
- Agents (see the scale run): with pacing off, requests past the own agent's 64 sockets used to wait in the agent's
  queue as fully built axios requests and \`ClientRequest\`s; they now wait in the client, in the same order and still
  counted as request time, and axios builds them once a socket is free ("heap per wait just after the start" and
  the peak RSS below).
- Allocation per poll: \`linkAbort\`'s link (two per poll) is now one object instead of seven closures, and the core
  client's own axios requests reuse the \`AbortController\` of a finished request that never aborted, so most
  requests add their abort listener to a signal that is not fresh. A caller's own axios instance (which may keep
  its config) always gets a fresh controller.
- Not changed: what is left per poll is mostly axios and Node's HTTP client (request config merging, headers,
  ClientRequest, socket writes), the poll's own \`AbortController\` (the adapter's \`ctx.signal\`) and the two timers
  of its time limits.
  The Guance adapter adds its own work per poll (two zod passes over the envelope, and \`JSON.stringify\` of the body
  to scrub the API key from it).

## Scale: ${SCALE.waits.toLocaleString('en-US')} concurrent waits in one process against one simulator

${SCALE.waits.toLocaleString('en-US')} Guance tasks (durations drawn uniformly from ${SCALE.taskMs[0] / 1000}–${SCALE.taskMs[1] / 1000} s, the simulator at timeScale 1), one \`guanceLogmine\`
adapter with \`pacing: false\` and the simulator's rate limit off (one key, one process: the point is the library's
cost per wait, not Guance's budget), and ${SCALE.waits.toLocaleString('en-US')} \`waitForTask\` calls started at once with \`initialDelayMs: ${SCALE.wait.initialDelayMs}\` (so that
there is a quiet moment, every first poll answered and no second one sent yet, to weigh the heap) and
\`requestTimeoutMs: ${SCALE.wait.requestTimeoutMs}\` on the waits and the adapter (the first burst, ${SCALE.waits.toLocaleString('en-US')} polls through 64 sockets, takes seconds on a
loaded 2-core machine, and queueing for a socket counts as request time; with the default 10 s the tail of the burst
may time out and be retried, which would make two runs incomparable). The other options are the defaults. The waits run in a child process of their own (bench/overhead/scale.ts, with
\`--expose-gc\`) so that its peak RSS, heap and CPU time are theirs alone; the simulator runs in a third process.
Heap per waiting task = (heapUsed after a full GC once every wait has had its first answer and no poll is in
flight − heapUsed after a full GC before the first wait) ÷ ${SCALE.waits.toLocaleString('en-US')}. Peak RSS is \`process.resourceUsage().maxRSS\`; the
RSS before the waits is the process with Node, tsx, axios, zod and the library loaded. CPU time is
\`process.cpuUsage()\` from the first wait to the last. Handles are \`process.getActiveResourcesInfo()\` before the
adapter was made and after every wait ended and \`close()\` ran (a pipe and a process handle: the IPC
channel to the simulator's process).

${scaleTable([{ label: 'now', r: scaleNow }, ...(scaleBefore ? [{ label: beforeLabel, r: scaleBefore }] : [])])}

- All ${SCALE.waits.toLocaleString('en-US')} complete, no handle left behind: ${check(scaleOk)}.
- CPU per poll is about twice the back-to-back figure above: here polls are spread out in time (each wakes an
  otherwise idle event loop on its own) and the garbage collector walks a heap holding ${SCALE.waits.toLocaleString('en-US')} waits.
- Peak RSS comes from the first burst: ${SCALE.waits.toLocaleString('en-US')} first polls at once, 64 on the wire and the rest waiting. The heap of a
  task that is sleeping between polls is what stays per wait: mostly the suspended wait itself (its async frames,
  the wait's link and deadline timer, the sleep's timer) and its last status with the provider's body.
`;
    const summary =
      `overhead: ${fixed(tNow?.ratio ?? Number.NaN, 3)} of bare axios with ${THROUGHPUT.concurrency} loops (${goalThroughput ? 'met' : 'NOT met'}), ${fixed(sNow?.ratio ?? Number.NaN, 3)} with one (${goalSerial ? 'met' : 'NOT met'}); ` +
      `scale: ${scaleNow.succeeded}/${SCALE.waits} succeeded, peak RSS ${mib(scaleNow.peakRssMiB)}, ${(scaleNow.heapPerWaitBytes / 1024).toFixed(1)} KiB heap per waiting task, ` +
      `${(scaleNow.cpuMs / 1000).toFixed(1)} s CPU, handles ${sameHandles(scaleNow.handlesBefore, scaleNow.handlesAfter) ? 'back to baseline' : 'LEFT BEHIND'}`;
    return { md, summary };
  } finally {
    after.dispose();
    before?.dispose();
    beforeDiagnostics?.dispose();
  }
}

/**
 * The cost of the diagnostics channels: `waitForTask + defineAdapter` with nobody subscribed (the goal:
 * at least GOAL_RATIO of the bare loop), before the channels were published, and with a subscriber on
 * every channel.
 */
function diagnosticsNote(throughput: OverheadResult, serial: OverheadResult): string {
  const ratio = (r: OverheadResult, label: string) =>
    fixed(r.contenders.find((c) => c.name === `waitForTask + defineAdapter (${label})`)?.ratio ?? Number.NaN, 3);
  const before = `before diagnostics, ${BEFORE_DIAGNOSTICS}`;
  const row = (name: string, r: OverheadResult) =>
    `| ${name} | ${ratio(r, 'now')} | ${ratio(r, WITH_SUBSCRIBER)} | ${ratio(r, before)} |`;
  return `### Diagnostics channels (\`waitForTask + defineAdapter\`, ÷ bare axios loop)

"${WITH_SUBSCRIBER}" runs the working tree with a subscriber on every \`taskpoll:*\` channel (the five events of
\`taskpoll:wait\` and \`taskpoll:poll\`, and \`status\`, \`retry\`, \`pacing\`, \`cancel\`), subscribed only during its
own rounds: it counts each message and reads one field, so every payload is built and published (bench/overhead/subscriber.ts;
${seen.events} events seen in all). "${before}" is the core before the channels were published. Without a subscriber
the library checks \`hasSubscribers\` and builds nothing.

| | now (no subscriber) | ${WITH_SUBSCRIBER} | ${before} |
| --- | ---: | ---: | ---: |
${row(`${THROUGHPUT.concurrency} loops at once`, throughput)}
${row('one loop', serial)}`;
}
