/**
 * What the overhead and scale benchmarks drive, bundled by bench/overhead/bundle.ts with the settings
 * of the published build (tsup.config.ts), so the code measured is the code users run. The core HTTP
 * client is not a public export: it is re-exported here for the custom-adapter contender.
 */
export { waitForTask, defineAdapter } from '../../src/index.js';
export { createHttpClient } from '../../src/internal/http/client.js';
export { guanceLogmine } from '../../src/providers/guance/index.js';
