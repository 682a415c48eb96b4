import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * `@opentelemetry/api` is an optional peer dependency: only `taskpoll/otel` may load it. Each entry is
 * imported in a child process whose module resolution refuses any `@opentelemetry/` specifier.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = import.meta.resolve('tsx');
/** A resolve hook that fails the import of any OpenTelemetry package. */
const refuseOtel = `data:text/javascript,${encodeURIComponent(
  `export async function resolve(specifier, context, next) {
    if (specifier.startsWith('@opentelemetry/')) throw new Error('loaded ' + specifier);
    return next(specifier, context);
  }`,
)}`;

async function importWithoutOtel(entry: string): Promise<string> {
  const url = pathToFileURL(`${root}${entry}`).href;
  const script = `import { register } from 'node:module';
    register(${JSON.stringify(refuseOtel)});
    const m = await import(${JSON.stringify(url)});
    console.log(Object.keys(m).length > 0 ? 'loaded' : 'empty');`;
  try {
    const { stdout } = await run(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      cwd: root,
    });
    return stdout.trim();
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
}

describe('@opentelemetry/api is loaded by taskpoll/otel only', () => {
  it.each(['src/index.ts', 'src/providers/guance/index.ts', 'src/testing/index.ts'])(
    'importing %s does not load it',
    async (entry) => {
      expect(await importWithoutOtel(entry)).toBe('loaded');
    },
  );

  it('importing taskpoll/otel does (the check above would see it)', async () => {
    expect(await importWithoutOtel('src/otel/index.ts')).toContain('loaded @opentelemetry/api');
  });
});
