/**
 * `npm run demo`: the four providers at once, against the local simulator.
 *
 * Starts the simulator (60× faster than real time: the tasks take a few simulated minutes, so a few
 * seconds), submits a task on each provider, waits on all four at once with `waitForAllSettled`
 * and live progress (one updating line per task on a terminal, plain lines otherwise, e.g. in CI),
 * then prints the typed results and a one-line summary from the group's counts.
 *
 * MEF Center is played over plain HTTP here; the real one speaks HTTPS with mutual TLS (see
 * examples/edge.ts). Nothing leaves this machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  waitForAllSettled,
  type GroupProgress,
  type GroupProgressInfo,
  type GroupSettledResult,
  type TaskPollError,
  type TaskStatus,
} from 'taskpoll';
import { dgcSystemTasks } from 'taskpoll/dgc';
import { edgeLogDump } from 'taskpoll/edge';
import { guanceLogmine } from 'taskpoll/guance';
import { startSimulator, type Simulator } from 'taskpoll/testing';
import { workflowTasks } from 'taskpoll/workflow';
import { z } from 'zod';

/** Where the demo writes: `process.stdout` by default. */
export interface DemoOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of the demo (for tests; `npm run demo` uses the defaults). */
export interface DemoOptions {
  /** @default process.stdout */
  out?: DemoOutput;
  /** Live lines redrawn in place (ANSI), or plain lines. @default out.isTTY */
  tty?: boolean;
  /** How much faster than real time the simulated tasks run. @default 60 */
  timeScale?: number;
}

/** How often the demo polls: the simulated tasks are minutes long, but 60× faster. */
const POLLING = { initialDelayMs: 250, maxDelayMs: 1000, timeoutMs: 60_000 } as const;

export async function main(options: DemoOptions = {}) {
  const out = options.out ?? process.stdout;
  const timeScale = options.timeScale ?? 60;
  const began = Date.now();
  const sim = await startSimulator({ seed: 2024, timeScale });
  scriptTasks(sim);
  // Each provider's `pacing` fits the simulated rate limits at this timeScale (the defaults are for real time).
  const guance = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: sim.guance.pacing });
  // Plain HTTP: the simulator, not a real MEF Center.
  const edge = edgeLogDump({ baseURL: sim.edge.baseURL, pacing: sim.edge.pacing });
  const dgc = dgcSystemTasks({
    endpoint: sim.dgc.endpoint,
    projectId: sim.dgc.projectId,
    auth: { accessKey: sim.dgc.accessKey, secretKey: sim.dgc.secretKey },
    pacing: sim.dgc.pacing,
  });
  const workflow = workflowTasks({
    baseURL: sim.workflow.baseURL,
    credentials: sim.workflow.credentials,
    rowSchema: z.tuple([z.string(), z.coerce.number()]), // PageRank's (vid, rank)
  });
  try {
    out.write(`taskpoll demo: four providers on a local simulator running ${timeScale}× faster than real time\n\n`);

    // One task on each provider.
    const now = Date.now();
    const [logmineId, dumpId, importId, pageRank] = await Promise.all([
      guance.submit({ analysisField: 'message', timeRange: [now - 15 * 60_000, now] }),
      edge.submit({ edgeNodes: [2, 3, 5] }),
      dgc.importJobs({ path: 'obs://demo-bucket/jobs.zip', sameNamePolicy: 'OVERWRITE' }),
      workflow.runJob('4216617528').then(async (jobId) => {
        const job = await workflow.getJob(jobId);
        const pageRank = job.tasks.find((task) => task.name === 'PageRank');
        if (!pageRank) throw new Error(`workflow job ${jobId} has no PageRank task`);
        return { jobId, taskId: pageRank.id };
      }),
    ]);

    // Wait on all four at once, with live progress: one group of waits across four providers.
    const board = createBoard(out, options.tty ?? out.isTTY === true, [
      'Guance logmine',
      'MEF log dump',
      'DataArts import',
      'Explorer PageRank',
    ]);
    const settled = await waitForAllSettled(
      [
        { adapter: guance, ref: logmineId },
        { adapter: edge, ref: dumpId },
        { adapter: dgc, ref: importId },
        { adapter: workflow, ref: pageRank },
      ],
      { ...POLLING, onProgress: board.onProgress, onGroupProgress: board.onGroupProgress },
    );
    board.stop(settled);
    const [clusters, dump, imported, ranks] = settled; // each typed by its provider

    // The typed results.
    out.write('\nResults\n');
    const show = (label: string, text: string) => out.write(`  ${label.padEnd(18)} ${text}\n`);
    const result = <T>(ending: GroupSettledResult<T>, label: string) => {
      if (ending.status === 'fulfilled') return ending.value;
      show(label, `✗ ${ending.reason.name}: ${ending.reason.message}`);
      return undefined;
    };
    const logmine = result(clusters, 'Guance logmine')?.result;
    if (logmine) {
      const top = logmine.clusters.toSorted((a, b) => b.count - a.count)[0];
      const biggest = `${top?.count} × ${top?.message.slice(0, 60)}`;
      show(
        'Guance logmine',
        `${logmine.clusters.length} clusters over ${logmine.docCount} log lines; biggest: ${biggest}`,
      );
    }
    const dumped = result(dump, 'MEF log dump');
    let archiveBytes: number | undefined;
    if (dumped) {
      const { fileName } = dumped.result;
      const dir = await mkdtemp(join(tmpdir(), 'taskpoll-demo-'));
      try {
        archiveBytes = (await edge.download(dumped, join(dir, fileName))).bytes;
        show('MEF log dump', `${fileName}: ${archiveBytes} bytes downloaded (to a temporary directory, now removed)`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    const dgcResult = result(imported, 'DataArts import')?.result;
    if (dgcResult) {
      const jobs = dgcResult.subtasks.map((s) => s.name.replace(/^Import job \[(.*)\]\.$/, '$1'));
      const ok = dgcResult.subtasks.filter((s) => s.state === 'succeeded').length;
      show('DataArts import', `${ok} of ${jobs.length} jobs imported: ${jobs.join(', ')}`);
    }
    const rows = result(ranks, 'Explorer PageRank')?.result.rows; // [string, number][]
    if (rows) {
      const top = rows.toSorted((a, b) => b[1] - a[1]).slice(0, 3);
      show(
        'Explorer PageRank',
        `${rows.length} (vid, rank) rows; top: ${top.map(([vid, rank]) => `${vid} ${rank.toFixed(3)}`).join(', ')}`,
      );
    }

    // The summary line, from the group's counts.
    const { total, succeeded } = board.counts();
    const polls = board.polls();
    const elapsedMs = Date.now() - began;
    const elapsedS = (elapsedMs / 1000).toFixed(1);
    const summary = `${total} tasks, ${succeeded} succeeded, ${polls} polls, ${elapsedS} s`;
    out.write(`\n${summary}\n`);
    return {
      summary,
      succeeded,
      failed: total - succeeded,
      polls,
      elapsedMs,
      clusters: logmine?.clusters.length,
      archiveBytes,
      subtasks: dgcResult?.subtasks.length,
      rows,
    };
  } finally {
    for (const adapter of [guance, edge, dgc, workflow]) adapter.close();
    await sim.close();
  }
}

/** What each simulated task does: a few simulated minutes each. */
function scriptTasks(sim: Simulator): void {
  sim.guance.script({
    durationMs: 150_000,
    clusters: [
      { count: 1289, docids: ['L_1716800000001_a', 'L_1716800000002_b'], message: 'GET /api/v1/health 200 1.2ms' },
      {
        count: 312,
        docids: ['L_1716800000003_c'],
        message: '{"level":"warn","msg":"apply request took too long","took":"270ms"}',
      },
      { count: 57, docids: ['L_1716800000004_d'], message: 'failed to flush buffer: context deadline exceeded' },
      {
        count: 3,
        docids: ['L_1716800000005_e'],
        message: 'panic: runtime error: invalid memory address or nil pointer dereference',
      },
    ],
  });
  sim.edge.script({ queuedMs: 30_000, durationMs: 240_000 });
  sim.dgc.script({
    durationMs: 300_000,
    subtasks: [
      'Import job [orders_daily].',
      'Import job [orders_hourly].',
      'Import job [refunds].',
      'Import job [clean_up].',
    ],
  });
  sim.workflow.script({ queuedMs: 30_000, durationMs: 330_000, tasks: ['Query', 'BFS', 'PageRank'] });
}

// --- Live progress ---------------------------------------------------------------------------

interface Row {
  label: string;
  startedAt: number;
  polls: number;
  status?: TaskStatus;
  endedAt?: number;
  error?: TaskPollError;
  printed?: string;
}

const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

/**
 * One line per task. On a terminal the lines are redrawn in place (cursor up, clear line) on every
 * status and on a 100 ms tick (spinner and clock); otherwise a plain line is printed whenever a
 * task's state or progress changes, and when it ends.
 */
function createBoard(out: DemoOutput, tty: boolean, labels: string[]) {
  const rows: Row[] = labels.map((label) => ({ label, startedAt: Date.now(), polls: 0 }));
  let drawn = 0;
  let frame = 0;
  const width = Math.max(40, (out.columns || 100) - 1);

  const seconds = (row: Row) => `${(((row.endedAt ?? Date.now()) - row.startedAt) / 1000).toFixed(1)} s`;
  const detail = (status: TaskStatus | undefined): string => {
    if (status?.progress !== undefined && !status.terminal) {
      const filled = Math.round(status.progress / 10);
      return `${'█'.repeat(filled)}${'░'.repeat(10 - filled)} ${String(Math.round(status.progress)).padStart(3)}%`;
    }
    if (status?.subtasks?.length && !status.terminal) {
      return `${status.subtasks.filter((s) => s.state === 'succeeded').length}/${status.subtasks.length} steps done`;
    }
    return '';
  };
  const stateText = ({ error, status }: Row) => {
    if (error) return error.name;
    if (!status) return 'submitted';
    return status.providerState === status.state ? status.state : `${status.state} (${status.providerState})`;
  };
  const liveLine = (row: Row): string => {
    const mark = row.error ? '✗' : row.status?.terminal ? '✓' : SPINNER[frame % SPINNER.length];
    const line =
      `${mark} ${row.label.padEnd(17)} ${stateText(row).padEnd(22)} ${detail(row.status).padEnd(15)} ` +
      `${String(row.polls).padStart(3)} polls ${seconds(row).padStart(6)}`;
    return line.slice(0, width);
  };

  const redraw = () => {
    frame += 1;
    const up = drawn > 0 ? `\x1b[${drawn}F` : '';
    out.write(up + rows.map((row) => `\x1b[2K${liveLine(row)}\n`).join(''));
    drawn = rows.length;
  };
  const printChange = (row: Row) => {
    if (row.status?.terminal && !row.endedAt) return; // the end line follows
    const what = row.endedAt
      ? `${row.error ? '✗' : '✓'} ${stateText(row)} after ${row.polls} polls` +
        (row.error ? `: ${row.error.message}` : '')
      : `${stateText(row)} ${detail(row.status)}`.trim();
    if (what === row.printed) return;
    row.printed = what;
    out.write(`${seconds(row).padStart(7)}  ${row.label.padEnd(18)} ${what}\n`);
  };
  const update = (row: Row) => (tty ? redraw() : printChange(row));
  const ticker = tty ? setInterval(redraw, 100) : undefined;
  if (tty) redraw();

  let counts: GroupProgress | undefined;

  return {
    /** The group's per-wait `onProgress`: `info.index` says which row the status is for. */
    onProgress(status: TaskStatus, info: GroupProgressInfo) {
      const row = rows[info.index];
      if (!row) return;
      row.status = status;
      row.polls = info.attempt;
      if (status.state === 'succeeded') row.endedAt = Date.now();
      update(row);
    },
    /** The group's `onGroupProgress`: keeps the latest counts for the summary. */
    onGroupProgress(progress: GroupProgress) {
      counts = progress;
    },
    /** Marks the waits that failed, stops the ticker and draws the final lines. */
    stop(settled: readonly GroupSettledResult<unknown>[]) {
      settled.forEach((ending, index) => {
        const row = rows[index];
        if (!row || ending.status === 'fulfilled') return;
        row.error = ending.reason;
        row.endedAt ??= Date.now();
        update(row);
      });
      clearInterval(ticker);
      if (tty) redraw();
    },
    /** Polls made by all waits. */
    polls: () => rows.reduce((sum, row) => sum + row.polls, 0),
    /** The group's last counts. */
    counts: () => counts ?? { total: rows.length, succeeded: 0 },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await main();
  if (report.failed > 0) process.exitCode = 1;
}
