/**
 * An adapter's credentials at work: the header an IAM token travels in, or the `SDK-HMAC-SHA256`
 * signature each request gets just before it is sent (`signer.ts`), and the values to mask wherever
 * the provider's text is quoted. Both forms are those of DataArts Studio's "Authentication" page,
 * https://support.huaweicloud.com/intl/en-us/api-cdm/dataartsstudio_02_0010.html.
 */
import type { HttpRequest, PreparedRequest } from '../../internal/http/types.js';
import type { CheckedAuth } from './options.js';
import { createAkSkSigner } from './signer.js';

/** The credentials of one adapter, as its HTTP client uses them. */
export class Credentials {
  /** Headers every request carries: `X-Auth-Token` with a token; none with AK/SK (each request is signed instead). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The client's `prepare` hook with AK/SK: signs the request over its final URL, headers and body,
   * and remembers the signature. `undefined` with a token.
   */
  readonly prepare: ((prepared: PreparedRequest, request: HttpRequest) => void) | undefined;
  /** The credential values a server could echo: the token, or the secret key and security token. */
  readonly #secrets: readonly (string | undefined)[];
  /** The signature each request went out with, to mask exactly that value if the answer echoes it. */
  readonly #signatures = new WeakMap<HttpRequest, string>();

  constructor(auth: CheckedAuth, projectId: string) {
    if (auth.kind === 'token') {
      this.headers = { 'X-Auth-Token': auth.token };
      this.prepare = undefined;
      this.#secrets = [auth.token];
      return;
    }
    const { accessKey, secretKey, securityToken } = auth;
    const sign = createAkSkSigner({ accessKey, secretKey, securityToken, projectId });
    this.headers = {};
    this.prepare = (prepared, request) => {
      this.#signatures.set(request, sign(prepared));
    };
    this.#secrets = [secretKey, securityToken];
  }

  /** What is masked in the provider text of the answer to `request`: the credentials and its signature. */
  secretsOf(request: HttpRequest): (string | undefined)[] {
    return [...this.#secrets, this.#signatures.get(request)];
  }
}
