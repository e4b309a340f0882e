import { z } from 'zod';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a probe name is 1-63 letters, digits, . _ -');
const guestPort = z.number().int().min(1).max(65535);

/**
 * What proves a recovered machine's application is up (issue 15), as plain data: the console
 * shows a line matching a pattern; a guest TCP port accepts; an HTTP GET on a guest port answers
 * a status and contains a text. Ports are the GUEST's: the fabric that made the machine maps them
 * to where they answer (the qemu fabric: a forwarded port on 127.0.0.1). No probe names a host,
 * so no value from a request ever becomes an outbound address.
 */
export const ApplicationProbeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('console'), name, pattern: z.string().min(1).max(200).refine(isRegExp, 'pattern is not a regular expression') }).strict(),
  z.object({ kind: z.literal('tcp'), name, port: guestPort }).strict(),
  z.object({
    kind: z.literal('http'),
    name,
    port: guestPort,
    /** A path only (no scheme, host or port): `/`, `/data.txt?x=1`. */
    path: z.string().max(500).regex(/^\/[^\s#]*$/, 'path starts with / and holds no spaces').default('/'),
    expectStatus: z.number().int().min(100).max(599).default(200),
    contains: z.string().max(4000).optional(),
  }).strict(),
]);
export type ApplicationProbe = z.output<typeof ApplicationProbeSchema>;

/** At most this many probes per machine. */
export const ApplicationProbesSchema = z.array(ApplicationProbeSchema).max(16).refine((ps) => new Set(ps.map((p) => p.name)).size === ps.length, 'probe names repeat');

/** One probe's outcome: names the machine and the probe, what was expected and what came back. */
export interface ProbeResult {
  machine: string;
  probe: string;
  ok: boolean;
  expected: string;
  got: string;
  /** When the outcome was decided: the probe passed, or its deadline passed (a report's RTO ends at the last pass). */
  at?: string;
}

/** What a probe expects, in words (the report's `expected`). */
export function probeExpectation(p: ApplicationProbe): string {
  if (p.kind === 'console') return `a console line matching /${p.pattern}/`;
  if (p.kind === 'tcp') return `guest TCP port ${p.port} accepts a connection`;
  return `GET :${p.port}${p.path} answers ${p.expectStatus}${p.contains !== undefined ? ` containing ${JSON.stringify(p.contains)}` : ''}`;
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
