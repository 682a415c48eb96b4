/**
 * The adapter's requests to DataArts Factory, over one shared HTTP client per adapter: every request
 * carries the workspace header and the credentials, every answer (a 2xx one too) is read for DLF's
 * error envelope before its body is validated, and the credentials are masked in whatever provider
 * text a status or an error quotes. The two requests are the system-task poll
 * (https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0096.html) and an
 * import (`jobs/import`, `connections/import`), which starts a system task.
 */
import type { z } from 'zod';
import type { StatusReport } from '../../core/adapter.js';
import type { PacerStats } from '../../core/transport.js';
import { checkCallOptions } from '../../internal/checks.js';
import { createHttpClient } from '../../internal/http/client.js';
import type { HttpClient, HttpRequest } from '../../internal/http/types.js';
import { maskStatusReport } from '../../internal/redact.js';
import { parseBody } from '../../internal/validate.js';
import { Credentials } from './credentials.js';
import { envelopeErrorOf, isThrottled, THROTTLED_FLOOR_MS } from './errors.js';
import type { DgcSettings } from './options.js';
import { importResponseSchema, systemTaskSchema, toReport } from './schemas.js';
import {
  DGC_DEFAULT_PACING,
  DGC_PROVIDER,
  type DgcCallOptions,
  type DgcSystemTasksOptions,
  type DgcTaskResult,
} from './types.js';

/** The transport options of the factory, handed to the shared HTTP client as they are (it checks them). */
export type DgcTransport = Pick<DgcSystemTasksOptions, 'axios' | 'requestTimeoutMs' | 'pacing'>;

/** A validated answer: its body, the body as it arrived, and what to mask in its text. */
interface Answer<T> {
  body: T;
  data: unknown;
  secrets: (string | undefined)[];
}

/** One adapter's requests to DataArts Factory. */
export class DgcClient {
  readonly #http: HttpClient;
  readonly #credentials: Credentials;
  /** `/v1/{project_id}`: every DLF path starts with it. */
  readonly #projectPath: string;

  constructor(settings: DgcSettings, transport: DgcTransport) {
    const credentials = new Credentials(settings.auth, settings.projectId);
    this.#credentials = credentials;
    this.#http = createHttpClient({
      provider: DGC_PROVIDER,
      baseURL: settings.baseURL,
      headers: {
        ...(settings.workspace !== undefined ? { workspace: settings.workspace } : {}),
        ...credentials.headers,
      },
      defaultPacing: DGC_DEFAULT_PACING,
      ...(transport.axios !== undefined ? { axios: transport.axios } : {}),
      ...(transport.requestTimeoutMs !== undefined ? { requestTimeoutMs: transport.requestTimeoutMs } : {}),
      ...(transport.pacing !== undefined ? { pacing: transport.pacing } : {}),
      ...(credentials.prepare ? { prepare: credentials.prepare } : {}),
      interpretError: (response, request) => envelopeErrorOf(response, request, credentials.secretsOf(request)),
      // A throttled answer without `Retry-After` still holds every request of the adapter for a while.
      rateLimit: { floorMs: THROTTLED_FLOOR_MS, matches: isThrottled },
    });
    this.#projectPath = `/v1/${encodeURIComponent(settings.projectId)}`;
  }

  /** One poll of a system task, as a status report with the credentials masked in its text. */
  async systemTask(taskId: string, signal: AbortSignal): Promise<StatusReport<DgcTaskResult>> {
    const { body, data, secrets } = await this.#call(
      { method: 'GET', path: `${this.#projectPath}/system-tasks/${encodeURIComponent(taskId)}`, signal, taskId },
      systemTaskSchema,
    );
    // A server that echoes a credential (or the signature) into a task's text must not put it in a status or error.
    return maskStatusReport(toReport(body, data), secrets);
  }

  /**
   * Starts an import (`path` below the project, e.g. `/jobs/import`) with a checked `body`; resolves
   * with the id of the system task it started. `call` names the public call in messages.
   */
  async startImport(
    call: string,
    path: string,
    body: Record<string, unknown>,
    options: DgcCallOptions | undefined,
  ): Promise<string> {
    const signal = checkCallOptions(options, DGC_PROVIDER, call);
    const { body: answer } = await this.#call(
      { method: 'POST', path: `${this.#projectPath}${path}`, body, signal },
      importResponseSchema,
    );
    return answer.taskId;
  }

  /** The pacer's counters; `undefined` with pacing off. */
  pacerStats(): PacerStats | undefined {
    return this.#http.pacerStats();
  }

  /** Frees the client's sockets; later requests reject at once. */
  close(): void {
    this.#http.close();
  }

  /**
   * Sends a request, turns an error envelope on a 2xx answer into its error (so the caller sees DLF's
   * code and text rather than a body that fails validation), and validates the body.
   */
  async #call<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<Answer<z.output<S>>> {
    const response = await this.#http.request(request);
    const secrets = this.#credentials.secretsOf(request);
    const failure = envelopeErrorOf(response, request, secrets);
    if (failure) throw failure;
    const body = parseBody(schema, response.data, {
      provider: DGC_PROVIDER,
      taskId: request.taskId,
      what: `${request.method} ${response.path}`,
      httpStatus: response.status,
      notJson: response.data === undefined ? (response.text ?? '') : undefined,
    });
    return { body, data: response.data, secrets };
  }
}
