/** What every benchmark section hands bench/run.ts, and the machine line printed with every table. */
import { cpus, platform, release, totalmem } from 'node:os';

/** A section's markdown and its one-line verdicts for the console. */
export interface SectionResult {
  md: string;
  summary: string;
}

/** Cores, CPU model, memory, Node version and OS of this machine. */
export function machine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${platform()} ${release()}`;
}

/** `**met**` or `**not met**`. */
export const check = (ok: boolean): string => (ok ? '**met**' : '**not met**');
