/**
 * The `--help` texts. The exit codes are listed in the main text, as in the README.
 *
 * @internal
 * @module
 */

const EXIT_CODES = `Exit codes:
  0    the task succeeded (or ended partial, with --accept-partial)
  1    the task failed, was cancelled, or ended partial without --accept-partial
  2    usage or configuration error (nothing was sent)
  3    authentication refused
  4    other provider, network or validation error, after retries;
       a workflow job without the --task asked for (the job is cancelled)
  124  the deadline (--timeout) passed, at any step (submit, wait, download)
  130  interrupted (SIGINT); 143 on SIGTERM`;

const WAIT_FLAGS = `Options:
  --timeout <duration>      give up this long after the start (exit 124)     [default: 30m]
  --initial-delay <dur>     delay after the first poll; later ones grow      [default: 1500ms]
  --max-delay <duration>    longest delay between two polls                  [default: 2m]
  --json                    print the whole terminal status, not only the result
  --quiet, -q               print nothing but errors on stderr
  --accept-partial          a partial outcome succeeds (exit 0)
  --cancel-on-interrupt     on Ctrl-C (or when --timeout passes), cancel the task at the provider
                            (workflow: the other providers' APIs cannot cancel, so exit 2)
  --help, -h                this text
Durations: 250ms, 90s, 30m, 2h.`;

const ENVIRONMENT = `Environment (credentials are never flags):
  guance    GUANCE_API_KEY, GUANCE_SITE (default cn1) or GUANCE_BASE_URL
  edge      EDGE_BASE_URL; for mutual TLS EDGE_CERT, EDGE_KEY, EDGE_CA (file paths), EDGE_KEY_PASSPHRASE
  dgc       DGC_PROJECT_ID, DGC_REGION or DGC_ENDPOINT, DGC_TOKEN or DGC_AK + DGC_SK
            (or DGC_ACCESS_KEY + DGC_SECRET_KEY), DGC_SECURITY_TOKEN, DGC_WORKSPACE
  workflow  WORKFLOW_BASE_URL, WORKFLOW_TOKEN or WORKFLOW_USERNAME, WORKFLOW_PASSWORD,
            WORKFLOW_GRAPH_ADDRESS, WORKFLOW_GRAPH_PORT (default 9669), WORKFLOW_LOGIN_ENCODING
  TASKPOLL_PACING=off       no request budget (for a simulator faster than real time)
  NO_COLOR, CI, TERM=dumb   no colour; CI and TERM=dumb also print plain lines, not a live one`;

const MAIN = `taskpoll: wait for a long-running task on a provider's HTTP API.

Usage:
  taskpoll wait <provider> <task> [options]   wait for a task that exists
  taskpoll run <provider> [action] [options]  submit a task, then wait for it
  taskpoll simulate [--time-scale 60]         a local simulator of every provider, to try the above
  taskpoll <command> --help                   help on one command
  taskpoll --version

Providers: guance, edge, dgc, workflow.
stdout gets the result as JSON (with --json, the whole terminal status); stderr gets the progress.

${ENVIRONMENT}

${EXIT_CODES}`;

const WAIT = `Usage: taskpoll wait <provider> <task> [options]

  taskpoll wait guance <taskId>
  taskpoll wait edge <taskId> [--download <path>]
  taskpoll wait dgc <taskId>
  taskpoll wait workflow <jobId>/<taskId>

${WAIT_FLAGS}
  --download <path>         edge: save the collected archive there once the task is done

${ENVIRONMENT}

${EXIT_CODES}`;

const RUN = `Usage: taskpoll run <provider> [action] [options]

  taskpoll run guance [--field message] [--since 15m | --from <date> --to <date>]
  taskpoll run edge --nodes 2,3 [--download <path>]
  taskpoll run dgc import-jobs --path obs://bucket/jobs.zip
  taskpoll run workflow --workflow <id> [--task <name>]   (default: the job's last task)

Submits the task, prints its id on stderr, then waits for it as \`taskpoll wait\` does.
Dates are ISO 8601 or epoch ms.

${WAIT_FLAGS}

${ENVIRONMENT}

${EXIT_CODES}`;

const SIMULATE = `Usage: taskpoll simulate [--time-scale 60] [--seed <n>] [--port <n>]

Starts a local simulator of every provider (plain HTTP on 127.0.0.1) and prints the variables that
point the other commands at it, as \`export\` lines to paste into another shell. Simulated tasks run
--time-scale times faster than real time; the simulator's rate limits are off. Runs until Ctrl-C.

Options:
  --time-scale <n>   simulated time runs n times faster          [default: 60]
  --seed <n>         seed of every random choice (ids, durations, credentials)
  --port <n>         port to listen on                           [default: any free port]
  --help, -h         this text`;

/** The help text of a topic. */
export function helpText(topic: 'main' | 'wait' | 'run' | 'simulate'): string {
  return { main: MAIN, wait: WAIT, run: RUN, simulate: SIMULATE }[topic];
}
