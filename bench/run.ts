#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCHES, type BenchEntry } from './benchCatalogue';

const USAGE = `usage: npm run bench -- [--list | --all | <name> [args…]]
  (no argument)   the quick set: ${BENCHES.filter((b) => b.quickArgs).map((b) => b.name).join(', ')}, at small sizes
  --list          the benchmarks, their arguments and what they measure
  --all           every benchmark at the sizes the docs quote
  <name> [args]   one benchmark, at the given sizes (or the documented ones)`;

function list(): void {
  const width = Math.max(...BENCHES.map((b) => b.name.length));
  for (const b of BENCHES) {
    process.stdout.write(`${b.name.padEnd(width)}  ${b.usage}${b.quickArgs ? `  (quick: ${b.quickArgs.join(' ')})` : ''}\n${' '.repeat(width)}  ${b.description}\n`);
  }
}

/** Runs one benchmark as its own process (each starts and stops its own emulators), output passed through. */
function run(b: BenchEntry, args: string[]): boolean {
  const script = join(__dirname, b.script);
  if (!existsSync(script)) {
    process.stderr.write(`bench: ${script} does not exist; build first (npm run build)\n`);
    return false;
  }
  process.stdout.write(`\n== ${b.name} ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.stderr.write(`bench: ${b.name} failed (${r.status ?? r.signal})\n`);
  return r.status === 0;
}

function main(argv: string[]): number {
  const [first, ...rest] = argv;
  if (first === '--list') {
    list();
    return 0;
  }
  if (first === '--help' || first === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let plan: [BenchEntry, string[]][];
  if (first === undefined) {
    plan = BENCHES.filter((b) => b.quickArgs).map((b) => [b, b.quickArgs!]);
  } else if (first === '--all') {
    plan = BENCHES.map((b) => [b, []]);
  } else {
    const b = BENCHES.find((x) => x.name === first);
    if (!b) {
      process.stderr.write(`bench: no benchmark '${first}'; choose one of ${BENCHES.map((x) => x.name).join(', ')}\n${USAGE}\n`);
      return 2;
    }
    plan = [[b, rest]];
  }
  const failed = plan.filter(([b, args]) => !run(b, args)).map(([b]) => b.name);
  if (failed.length) process.stderr.write(`bench: failed: ${failed.join(', ')}\n`);
  return failed.length ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
