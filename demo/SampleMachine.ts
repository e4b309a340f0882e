import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const KiB = 1024;
const MiB = 1024 * KiB;
const PAGE = 4 * KiB;

/** One tier of the sample application: a machine with one raw disk image whose content says what it is. */
export interface SampleMachine {
  /** Protected item name. */
  name: 'db' | 'app' | 'web';
  role: string;
  path: string;
  sizeBytes: number;
}

/** A page of text, padded with newlines to 4 KiB. */
function textPage(text: string): Buffer {
  const page = Buffer.alloc(PAGE, '\n');
  page.write(text.slice(0, PAGE), 0, 'utf8');
  return page;
}

/** Deterministic incompressible bytes (SHA-256 in counter mode): stands in for program files. */
function pseudoRandom(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0, n = 0; at < length; at += 32, n++) createHash('sha256').update(`${seed}:${n}`).digest().copy(out, at);
  return out;
}

function writeAt(path: string, offset: number, data: Buffer): void {
  const fd = openSync(path, 'r+');
  try { writeSync(fd, data, 0, data.length, offset); } finally { closeSync(fd); }
}

const ORDERS_AT = 1 * MiB;
const ROWS_PER_PAGE = 80;
const orderRow = (n: number) => `order ${String(n).padStart(7, '0')} | customer ${String((n * 7919) % 1000).padStart(3, '0')} | amount ${((n * 37) % 10000) / 100}\n`;

/**
 * The three machines of the sample application, created in Node (no qemu needed): sparse raw
 * images, so only what is written travels in the seed.
 */
export function createSampleMachines(dir: string): SampleMachine[] {
  const machines: SampleMachine[] = [
    { name: 'db', role: 'database', path: join(dir, 'db.raw'), sizeBytes: 48 * MiB },
    { name: 'app', role: 'application server', path: join(dir, 'app.raw'), sizeBytes: 32 * MiB },
    { name: 'web', role: 'web server', path: join(dir, 'web.raw'), sizeBytes: 16 * MiB },
  ];
  for (const m of machines) {
    const fd = openSync(m.path, 'w');
    ftruncateSync(fd, m.sizeBytes);
    closeSync(fd);
  }
  const [db, app, web] = machines;
  writeAt(db.path, 0, textPage('DEMO-DB orders database, format 1\nrows: 40960\n'));
  writeOrders(db.path, 0, 512);
  writeAt(app.path, 0, textPage('DEMO-APP application server volume\n/opt/shop/bin/shop-server\n'));
  writeAt(app.path, 64 * KiB, pseudoRandom('shop-server-binary', 3 * MiB));
  writeAt(web.path, 0, textPage('DEMO-WEB web server volume\n/var/www/shop\n'));
  writeAt(web.path, 64 * KiB, textPage('<html><body><h1>Shop</h1><p>build 0</p></body></html>\n'));
  writeAt(web.path, 1 * MiB, pseudoRandom('static-assets', 2 * MiB));
  return machines;
}

/** Order pages `[fromPage, fromPage + pages)` of the database, 80 rows each. */
function writeOrders(path: string, fromPage: number, pages: number): void {
  const buf = Buffer.alloc(pages * PAGE);
  for (let p = 0; p < pages; p++) {
    let text = '';
    for (let r = 0; r < ROWS_PER_PAGE; r++) text += orderRow((fromPage + p) * ROWS_PER_PAGE + r + 1);
    textPage(text).copy(buf, p * PAGE);
  }
  writeAt(path, ORDERS_AT + fromPage * PAGE, buf);
}

/**
 * What the application does between two replication cycles: new orders, a log written by the
 * app, a new web build. Returns one line per machine saying what changed.
 */
export function changeSampleMachines(machines: SampleMachine[], cycle: number): string[] {
  const [db, app, web] = machines;
  const newPages = 96;
  const first = 512 + (cycle - 1) * newPages;
  writeOrders(db.path, first, newPages);
  writeAt(db.path, 0, textPage(`DEMO-DB orders database, format 1\nrows: ${(first + newPages) * ROWS_PER_PAGE}\ncheckpoint: cycle ${cycle}\n`));
  const logLines = Array.from({ length: 60 }, (_, i) => `${new Date().toISOString()} cycle ${cycle} served request ${i + 1}\n`).join('');
  writeAt(app.path, 16 * MiB + (cycle - 1) * 64 * KiB, Buffer.from(logLines.padEnd(64 * KiB, '\n')));
  writeAt(web.path, 64 * KiB, textPage(`<html><body><h1>Shop</h1><p>build ${cycle}</p></body></html>\n`));
  writeAt(web.path, 8 * MiB + (cycle - 1) * 256 * KiB, pseudoRandom(`assets-build-${cycle}`, 256 * KiB));
  return [
    `db: ${newPages * ROWS_PER_PAGE} new orders (${newPages * 4} KiB) and the header page`,
    'app: 60 log lines (64 KiB)',
    `web: build ${cycle} deployed (index page and 256 KiB of assets)`,
  ];
}

/** The text written after the last replication cycle: it must not be in the recovered disks. */
export const LATE_WRITE = 'LATE WRITE: after the last replication cycle, not replicated yet';

/** A write after the last cycle, at a fixed offset of each disk; returns that offset. */
export function writeAfterLastCycle(machines: SampleMachine[]): number {
  const offset = 12 * MiB;
  for (const m of machines) writeAt(m.path, offset, textPage(LATE_WRITE));
  return offset;
}

/** A copy of a disk as it is now: the expected content of a recovery from this moment. */
export function snapshotDisk(m: SampleMachine, dir: string, label: string): string {
  const copy = join(dir, `${m.name}.${label}.raw`);
  copyFileSync(m.path, copy);
  return copy;
}
