/**
 * Fault injection: the ways a real provider (or what stands in front of it) misbehaves, by probability
 * or for the next N matching requests, per provider or route.
 */
import { checkInt, checkMs, checkNumber, checkObject, checkOneOf, describe } from './check.js';
import type { Random } from './random.js';
import { PROVIDER_NAMES, type ProviderName } from './names.js';

/**
 * What goes wrong:
 * - `'latency'`: the answer comes `latencyMs` late (default 1000). Latency faults add up, and combine
 *   with one other fault.
 * - `'hang'`: no answer is ever sent; the socket stays open until the client gives up or the simulator closes.
 * - `'server-error'`: HTTP `status` (default 500) with a plain-text body (or `body`), before the provider
 *   sees the request.
 * - `'too-many-requests'`: HTTP 429 with `Retry-After: retryAfterS` (default 1) and an nginx-style page.
 * - `'reset'`: the connection is destroyed without an answer (`socket.destroy()`).
 * - `'malformed-json'`: the provider handles the request, then its answer is cut in half, status and
 *   content type kept (a success or an error envelope alike), as a proxy or a reset mid-body leaves it.
 * - `'html-page'`: an HTML error page from a gateway, HTTP `status` (default 502).
 * - `'unknown-status'`: on a status route only, the provider's status word is replaced by `statusWord`
 *   (default: a word no adapter knows: `'rebalancing'`, `'suspended'`, `'PAUSED'`, Explorer `9`).
 */
export type FaultKind =
  | 'latency'
  | 'hang'
  | 'server-error'
  | 'too-many-requests'
  | 'reset'
  | 'malformed-json'
  | 'html-page'
  | 'unknown-status';

/** Every fault kind. */
export const FAULT_KINDS: readonly FaultKind[] = [
  'latency',
  'hang',
  'server-error',
  'too-many-requests',
  'reset',
  'malformed-json',
  'html-page',
  'unknown-status',
];

/** A fault to inject (`sim.faults.add(spec)`). Every field but `kind` is optional. */
export interface FaultSpec {
  /** What goes wrong. */
  kind: FaultKind;
  /** Only requests to this provider. */
  provider?: ProviderName;
  /**
   * Only requests to this route: a route id such as `'guance.queryTask'` (see `ROUTE_IDS`), a path
   * (`'/api/v1/logmine/query_task'`, matching that path and below it) or a RegExp tested on the path.
   */
  route?: string | RegExp;
  /** Only requests with this method, e.g. `'GET'`. */
  method?: string;
  /**
   * Chance that a matching request gets the fault, 0..1 (rolled with the seeded random).
   * @default 1
   */
  probability?: number;
  /**
   * The fault is removed after it fired this many times ("the next N requests").
   * @default Infinity
   */
  count?: number;
  /**
   * Delay before the answer, in ms of the caller's clock (not scaled by `timeScale`; follows fake
   * timers). For `'latency'` it is the fault itself; for other kinds it is added before the fault.
   * @default 1000 for 'latency', 0 otherwise
   */
  latencyMs?: number;
  /** `'too-many-requests'`: the `Retry-After` value, in seconds. @default 1 */
  retryAfterS?: number;
  /** `'server-error'` (500–599, default 500) and `'html-page'` (400–599, default 502): the HTTP status. */
  status?: number;
  /** `'server-error'`: the body to send instead of `Internal Server Error`. */
  body?: string;
  /** `'unknown-status'`: the word (or Explorer number) to put in place of the real status. */
  statusWord?: string | number;
}

/** A fault that was added; remove it with `remove()`. */
export interface FaultHandle {
  /** A number unique within the simulator. */
  readonly id: number;
  /** The spec it was added with. */
  readonly spec: Readonly<FaultSpec>;
  /** How many times it has fired. */
  readonly fired: number;
  /** How many more times it will fire (`Infinity` without a `count`). */
  readonly remaining: number;
  /** False once removed (by `remove()`, `sim.faults.clear()`, `sim.reset()` or an exhausted `count`). */
  readonly active: boolean;
  /** Stops it. Safe to call more than once. */
  remove(): void;
}

/** `sim.faults`. */
export interface SimulatorFaults {
  /** Adds a fault; checked at once (a bad spec is a TypeError or RangeError). */
  add(spec: FaultSpec): FaultHandle;
  /** Removes every fault. */
  clear(): void;
  /** The active faults, in the order they were added (the order they are tried in). */
  list(): FaultHandle[];
}

/** What a request is, for matching. */
export interface FaultTarget {
  provider: ProviderName | undefined;
  route: string | undefined;
  method: string;
  path: string;
  /** Whether the route reads a task's status (the only routes `'unknown-status'` applies to). */
  statusRoute: boolean;
}

/** What happens to one request. */
export interface FaultPlan {
  /** The summed delay, in ms. */
  latencyMs: number;
  /** The one non-latency fault, if any fired. */
  fault: Readonly<FaultSpec> | undefined;
  /** Every kind that fired, in order. */
  kinds: FaultKind[];
}

/** The registry behind `sim.faults`, plus what the server needs. */
export interface FaultRegistry extends SimulatorFaults {
  plan(target: FaultTarget): FaultPlan;
}

interface Entry {
  handle: FaultHandle;
  spec: Readonly<FaultSpec>;
  matchRoute: ((target: FaultTarget) => boolean) | undefined;
  remaining: number;
  fired: number;
  active: boolean;
}

const SPEC_KEYS = [
  'kind',
  'provider',
  'route',
  'method',
  'probability',
  'count',
  'latencyMs',
  'retryAfterS',
  'status',
  'body',
  'statusWord',
];

/** Builds the registry; `routeIds` are the ids a string `route` may name. */
export function createFaultRegistry(random: Random, routeIds: readonly string[]): FaultRegistry {
  let nextId = 1;
  let entries: Entry[] = [];

  const drop = (entry: Entry): void => {
    entry.active = false;
    entries = entries.filter((e) => e !== entry);
  };

  const registry: FaultRegistry = {
    add(input) {
      const spec = checkSpec(input, routeIds);
      const entry: Entry = {
        spec,
        matchRoute: routeMatcher(spec.route),
        remaining: spec.count ?? Number.POSITIVE_INFINITY,
        fired: 0,
        active: true,
        handle: undefined as unknown as FaultHandle,
      };
      entry.handle = Object.freeze({
        id: nextId++,
        spec,
        get fired() {
          return entry.fired;
        },
        get remaining() {
          return entry.active ? entry.remaining : 0;
        },
        get active() {
          return entry.active;
        },
        remove: () => drop(entry),
      });
      entries.push(entry);
      return entry.handle;
    },
    clear() {
      for (const entry of entries) entry.active = false;
      entries = [];
    },
    list() {
      return entries.map((entry) => entry.handle);
    },
    plan(target) {
      const plan: FaultPlan = { latencyMs: 0, fault: undefined, kinds: [] };
      for (const entry of [...entries]) {
        const { spec } = entry;
        if (!matches(entry, target)) continue;
        if (spec.kind !== 'latency' && plan.fault !== undefined) continue; // one non-latency fault per request
        if (spec.probability !== undefined && spec.probability < 1 && random.next() >= spec.probability) continue;
        entry.fired += 1;
        entry.remaining -= 1;
        if (entry.remaining <= 0) drop(entry);
        plan.kinds.push(spec.kind);
        plan.latencyMs += spec.latencyMs ?? (spec.kind === 'latency' ? 1000 : 0);
        if (spec.kind !== 'latency') plan.fault = spec;
      }
      return plan;
    },
  };
  return registry;
}

function matches(entry: Entry, target: FaultTarget): boolean {
  const { spec } = entry;
  if (spec.provider !== undefined && spec.provider !== target.provider) return false;
  if (spec.method !== undefined && spec.method.toUpperCase() !== target.method) return false;
  if (entry.matchRoute && !entry.matchRoute(target)) return false;
  if (spec.kind === 'unknown-status' && !target.statusRoute) return false;
  return true;
}

function routeMatcher(route: string | RegExp | undefined): ((target: FaultTarget) => boolean) | undefined {
  if (route === undefined) return undefined;
  if (route instanceof RegExp) {
    const regex = new RegExp(route.source, route.flags.replace(/[gy]/g, ''));
    return (target) => regex.test(target.path);
  }
  if (route.startsWith('/')) {
    const prefix = route.endsWith('/') ? route : `${route}/`;
    return (target) => target.path === route || target.path.startsWith(prefix);
  }
  return (target) => target.route === route;
}

function checkSpec(input: unknown, routeIds: readonly string[]): Readonly<FaultSpec> {
  if (input === undefined) throw new TypeError('faults.add needs a spec object');
  const given = checkObject<FaultSpec>('fault', input, SPEC_KEYS);
  if (given.kind === undefined) throw new TypeError(`fault.kind is required (one of ${FAULT_KINDS.join(', ')})`);
  const kind = checkOneOf('fault.kind', given.kind, FAULT_KINDS, 'latency');
  const spec: FaultSpec = { kind };
  if (given.provider !== undefined)
    spec.provider = checkOneOf('fault.provider', given.provider, PROVIDER_NAMES, 'guance');
  if (given.route !== undefined) {
    const route: unknown = given.route;
    if (!(route instanceof RegExp) && typeof route !== 'string') {
      throw new TypeError(`fault.route must be a route id, a path or a RegExp, got ${describe(route)}`);
    }
    if (typeof route === 'string' && !route.startsWith('/') && !routeIds.includes(route)) {
      throw new RangeError(
        `fault.route "${route.slice(0, 60)}" is not a route id (known: ${routeIds.join(', ')}) ` +
          'nor a path starting with /',
      );
    }
    spec.route = route;
  }
  if (given.method !== undefined) {
    if (typeof given.method !== 'string' || !/^[A-Za-z]+$/.test(given.method)) {
      throw new TypeError(`fault.method must be an HTTP method name, got ${describe(given.method)}`);
    }
    spec.method = given.method.toUpperCase();
  }
  if (given.probability !== undefined) spec.probability = checkNumber('fault.probability', given.probability, 1, 0, 1);
  if (given.count !== undefined && given.count !== Number.POSITIVE_INFINITY) {
    spec.count = checkInt('fault.count', given.count, 1, 1, Number.MAX_SAFE_INTEGER);
  }
  if (given.latencyMs !== undefined) spec.latencyMs = checkMs('fault.latencyMs', given.latencyMs, 0, 0);
  if (spec.latencyMs !== undefined && spec.latencyMs > 2 ** 31 - 1)
    throw new RangeError('fault.latencyMs must be at most 2147483647');
  const only = (field: keyof FaultSpec, kinds: FaultKind[]): void => {
    if (given[field] !== undefined && !kinds.includes(kind)) {
      throw new TypeError(`fault.${field} only applies to ${kinds.join(' and ')} faults`);
    }
  };
  only('retryAfterS', ['too-many-requests']);
  only('status', ['server-error', 'html-page']);
  only('body', ['server-error']);
  only('statusWord', ['unknown-status']);
  if (given.retryAfterS !== undefined)
    spec.retryAfterS = checkInt('fault.retryAfterS', given.retryAfterS, 1, 0, 86_400);
  if (given.status !== undefined) {
    spec.status =
      kind === 'server-error'
        ? checkInt('fault.status', given.status, 500, 500, 599)
        : checkInt('fault.status', given.status, 502, 400, 599);
  }
  if (given.body !== undefined) {
    if (typeof given.body !== 'string') throw new TypeError(`fault.body must be a string, got ${describe(given.body)}`);
    spec.body = given.body;
  }
  if (given.statusWord !== undefined) {
    const word: unknown = given.statusWord;
    if (!(typeof word === 'string' && word !== '') && !(typeof word === 'number' && Number.isInteger(word))) {
      throw new TypeError(`fault.statusWord must be a non-empty string or a whole number, got ${describe(word)}`);
    }
    spec.statusWord = word;
  }
  return Object.freeze(spec);
}
