/**
 * Command-line parsing: `util.parseArgs` in strict mode, so an unknown flag or a missing value is a
 * usage error (exit 2) before anything else happens. Values are checked here too (durations, node
 * ids, dates): the library checks them again, but a flag's error should name the flag.
 *
 * @internal
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage or configuration error: exit code 2, its message printed as it is. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The providers the command knows. */
export const PROVIDERS = ['guance', 'edge', 'dgc', 'workflow'] as const;
/** One of {@link PROVIDERS}. */
export type ProviderName = (typeof PROVIDERS)[number];

type Options = NonNullable<ParseArgsConfig['options']>;

/** The flags of `wait` and `run`, every provider's; {@link PROVIDER_FLAGS} says which provider takes which. */
const TASK_OPTIONS: Options = {
  help: { type: 'boolean', short: 'h' },
  timeout: { type: 'string' },
  'initial-delay': { type: 'string' },
  'max-delay': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'accept-partial': { type: 'boolean' },
  'cancel-on-interrupt': { type: 'boolean' },
  field: { type: 'string' },
  since: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  nodes: { type: 'string' },
  download: { type: 'string' },
  path: { type: 'string' },
  workflow: { type: 'string' },
  task: { type: 'string' },
};

/** The flags only one provider takes, and with which command. */
const PROVIDER_FLAGS: Record<string, { provider: ProviderName; commands: readonly string[] }> = {
  field: { provider: 'guance', commands: ['run'] },
  since: { provider: 'guance', commands: ['run'] },
  from: { provider: 'guance', commands: ['run'] },
  to: { provider: 'guance', commands: ['run'] },
  nodes: { provider: 'edge', commands: ['run'] },
  download: { provider: 'edge', commands: ['run', 'wait'] },
  path: { provider: 'dgc', commands: ['run'] },
  workflow: { provider: 'workflow', commands: ['run'] },
  task: { provider: 'workflow', commands: ['run'] },
};

const SIMULATE_OPTIONS: Options = {
  help: { type: 'boolean', short: 'h' },
  'time-scale': { type: 'string' },
  seed: { type: 'string' },
  port: { type: 'string' },
};

/** What a command line asks for. */
export type Command =
  | { kind: 'help'; topic: 'main' | 'wait' | 'run' | 'simulate' }
  | { kind: 'version' }
  | { kind: 'simulate'; timeScale: number; seed: number | undefined; port: number }
  | TaskCommand;

/** `wait` or `run`, parsed. */
export interface TaskCommand {
  kind: 'wait' | 'run';
  provider: ProviderName;
  /** The positionals after the provider: the ref for `wait`, the action (`import-jobs`) for `run dgc`. */
  rest: string[];
  /** Every flag given, as strings and booleans. */
  flags: Record<string, string | boolean | undefined>;
}

/** Parses `argv` (without `node` and the script). Throws {@link UsageError}. */
export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help') return topLevel(rest, { kind: 'help', topic: 'main' });
  if (name.startsWith('-')) return parseTopLevel(argv);
  if (name === 'simulate') return parseSimulate(rest);
  if (name === 'wait' || name === 'run') return parseTask(name, rest);
  throw new UsageError(`Unknown command ${JSON.stringify(name)}: use wait, run or simulate (taskpoll --help)`);
}

function parse(args: readonly string[], options: Options): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    // parseArgs' messages name the flag; they never hold a credential (credentials are not flags).
    throw new UsageError((error as Error).message);
  }
}

const TOP_OPTIONS: Options = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

/** `taskpoll --help` or `--version`, strictly: another flag, or an argument, is a usage error. */
function parseTopLevel(args: readonly string[]): Command {
  const { values, positionals } = parse(args, TOP_OPTIONS);
  const command: Command = values['help'] ? { kind: 'help', topic: 'main' } : { kind: 'version' };
  return topLevel(positionals, command);
}

function topLevel(positionals: readonly string[], command: Command): Command {
  if (positionals.length > 0) {
    throw new UsageError(
      `${JSON.stringify(positionals[0])} is not expected there: put --help after a command (taskpoll wait --help)`,
    );
  }
  return command;
}

function parseSimulate(args: readonly string[]): Command {
  const { values, positionals } = parse(args, SIMULATE_OPTIONS);
  if (values['help']) return { kind: 'help', topic: 'simulate' };
  if (positionals.length > 0)
    throw new UsageError(`simulate takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const timeScale = numberFlag('--time-scale', values['time-scale'], 60);
  if (!(timeScale > 0 && timeScale <= 1_000_000)) throw new UsageError('--time-scale must be > 0 and <= 1000000');
  const seed = values['seed'] === undefined ? undefined : wholeFlag('--seed', values['seed'], 0, 2 ** 32 - 1);
  const port = wholeFlag('--port', values['port'] ?? '0', 0, 65_535);
  return { kind: 'simulate', timeScale, seed, port };
}

function parseTask(kind: 'wait' | 'run', args: readonly string[]): Command {
  const { values, positionals } = parse(args, TASK_OPTIONS);
  if (values['help']) return { kind: 'help', topic: kind };
  const [provider, ...rest] = positionals;
  if (provider === undefined) throw new UsageError(`${kind} needs a provider: ${PROVIDERS.join(', ')}`);
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw new UsageError(`Unknown provider ${JSON.stringify(provider)}: use ${PROVIDERS.join(', ')}`);
  }
  for (const [flag, rule] of Object.entries(PROVIDER_FLAGS)) {
    if (values[flag] === undefined) continue;
    if (rule.provider !== provider || !rule.commands.includes(kind)) {
      throw new UsageError(`--${flag} is an option of \`taskpoll ${rule.commands.join('/')} ${rule.provider}\``);
    }
  }
  return { kind, provider: provider as ProviderName, rest, flags: values as TaskCommand['flags'] };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration flag: a number with a unit, `ms`, `s`, `m` or `h` (`90s`, `1.5h`, `250ms`); a bare
 * number is refused, since seconds and milliseconds are both plausible.
 */
export function parseDuration(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match)
    throw new UsageError(`${flag} must be a duration such as 250ms, 90s, 30m or 2h, got ${JSON.stringify(text)}`);
  return Math.round(Number(match[1]) * (UNITS[match[2] as string] as number));
}

/** An optional duration flag, in ms. */
export function durationFlag(flag: string, value: string | boolean | undefined): number | undefined {
  return typeof value === 'string' ? parseDuration(flag, value) : undefined;
}

function numberFlag(flag: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError(`${flag} must be a number, got ${JSON.stringify(value)}`);
  }
  return n;
}

function wholeFlag(flag: string, value: unknown, min: number, max: number): number {
  const n = numberFlag(flag, value, min);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
}

/** `--nodes 2,3,5`: MEF node ids, whole numbers. */
export function parseNodes(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) {
    throw new UsageError(`--nodes must be node ids separated by commas, e.g. 2,3, got ${JSON.stringify(text)}`);
  }
  return parts.map(Number);
}

/** `--from` / `--to`: an ISO 8601 date or epoch milliseconds. */
export function parseInstant(flag: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new UsageError(`${flag} must be an ISO 8601 date or epoch ms, got ${JSON.stringify(text)}`);
  return ms;
}
