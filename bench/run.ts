/**
 * `npm run bench`: runs every benchmark section and writes bench/RESULTS.md (about a quarter of an
 * hour on 2 cores).
 * `npm run bench -- overhead ratelimit` runs only the sections named and prints their markdown instead
 * (RESULTS.md is only written by a full run). Not part of `npm test`.
 *
 * Sections: `schedule` (poll schedules in virtual time, goals 1-4 modelled), `overhead` (library
 * overhead and the 10,000-wait scale run, real HTTP on loopback), `ratelimit` (goal 4 end to end),
 * `pacing` (the shared budget: the exact limit, deadlines, fairness; before and after the margin and
 * deadline-first order), `cli` (startup of the built command), `fleet` (one budget in Redis shared by
 * 4 processes), `durable` (100,000 durable waits on 4 BullMQ worker processes, one killed).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cliSection } from './cli/section.js';
import { durableSection } from './durable/section.js';
import { fleetSection } from './fleet/section.js';
import { overheadSection } from './overhead/section.js';
import { pacingSection } from './pacing/section.js';
import { ratelimitSection } from './ratelimit/section.js';
import { machine, type SectionResult } from './report.js';
import { scheduleSection } from './schedule/section.js';

const SECTIONS: Record<string, () => Promise<SectionResult>> = {
  schedule: scheduleSection,
  ratelimit: ratelimitSection,
  pacing: pacingSection,
  overhead: overheadSection,
  cli: cliSection,
  fleet: fleetSection,
  durable: durableSection,
};

const asked = process.argv.slice(2);
for (const name of asked) {
  if (!(name in SECTIONS)) {
    console.error(`unknown section "${name}"; sections: ${Object.keys(SECTIONS).join(', ')}`);
    process.exit(2);
  }
}
const names = asked.length > 0 ? asked : Object.keys(SECTIONS);
const started = performance.now();
const host = machine();
console.error(`machine: ${host}`);
const results: SectionResult[] = [];
for (const name of names) results.push(await (SECTIONS[name] as () => Promise<SectionResult>)());
const elapsed = (performance.now() - started) / 1000;

const md = `# Benchmarks

Written by \`npm run bench\` (bench/run.ts); every figure below is from that one run.

Machine (for every table below): ${host}. Total wall time: ${elapsed.toFixed(0)} s.

${results.map((r) => r.md.trim()).join('\n\n')}
`;

if (asked.length === 0) {
  writeFileSync(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), md);
  console.log(`Machine: ${host}\n`);
  for (const r of results) console.log(r.summary);
  console.log(`\nwrote bench/RESULTS.md in ${elapsed.toFixed(0)} s`);
} else {
  console.log(md);
  for (const r of results) console.log(r.summary);
}
