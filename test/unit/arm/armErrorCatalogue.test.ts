import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError } from '../../../shared/errors';
import { ARM_ERROR_STATUS, toArmErrorResponse } from '../../../shared/arm';
import { matchPattern } from '../../../shared/arm/ArmRoute';
import { nextLinkOf, skipTokenOf } from '../../../shared/arm/paging';
import { ReplicationError, type ReplicationErrorCode } from '../../../shared/replication';
import { toJobError } from '../../../shared/recovery/plan/toJobError';

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourcesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the error catalogue', () => {
  it('has a status for every error code thrown anywhere in shared/ (so none becomes a bare 500)', () => {
    const root = join(__dirname, '../../../shared');
    const thrown = new Map<string, string>();
    for (const file of sourcesUnder(root)) {
      const text = readFileSync(file, 'utf8');
      // `new ServiceError('X'`, `new FabricError('X'`, … and fixed codes of subclasses: `super('X'`.
      for (const m of text.matchAll(/(?:new \w*Error|super)\(\s*'(\w+)'/g)) thrown.set(m[1], file);
      // The code unions of typed errors (`export type FabricErrorCode = | 'A' | 'B';`).
      for (const u of text.matchAll(/export type \w*ErrorCode\s*=([^;]+);/g)) {
        for (const m of u[1].matchAll(/'(\w+)'/g)) thrown.set(m[1], file);
      }
    }
    const missing = [...thrown].filter(([c]) => ARM_ERROR_STATUS[c] === undefined).map(([c, f]) => `${c} (${f.slice(root.length + 1)})`);
    expect(missing).toEqual([]);
    expect(thrown.size).toBeGreaterThan(60);
  });

  it('answers codes that used to fall through to 500 with their catalogue status', () => {
    expect(toArmErrorResponse(new ServiceError('NoRecoveryPoint', 'no such point')).status).toBe(404);
    expect(toArmErrorResponse(new ServiceError('ServiceUnavailable', 'later', { retryable: true })).status).toBe(503);
    expect(toArmErrorResponse(new ServiceError('RequestBodyTooLarge', 'too big')).status).toBe(413);
    expect(toArmErrorResponse(new ServiceError('SubscriptionNotServed', 'elsewhere')).status).toBe(403);
  });

  it('names each way a replication request is refused by its own code: each a 400 with its own advice on the job', () => {
    const codes: ReplicationErrorCode[] = ['InvalidReplicationRequest', 'ResyncEpochNotNewer', 'DiskGrewBeyondReplica', 'EarlierEpochNeedsPoint'];
    const answers = codes.map((c) => ({ status: toArmErrorResponse(new ReplicationError(c, 'refused')).status, ...toJobError(new ReplicationError(c, 'refused')) }));
    expect(answers.map((a) => [a.code, a.status])).toEqual(codes.map((c) => [c, 400]));
    for (const a of answers) expect(a.possibleCauses).not.toBe('');
    expect(new Set(answers.map((a) => a.possibleCauses)).size).toBe(codes.length);
    expect(new Set(answers.map((a) => a.recommendedAction)).size).toBe(codes.length);
  });

  it('keeps every catalogue status a client or server error', () => {
    for (const [code, status] of Object.entries(ARM_ERROR_STATUS)) expect([code, status >= 400 && status <= 504]).toEqual([code, true]);
  });

  it('answers ARM error bodies, with WWW-Authenticate on 401 and Retry-After when retryable', () => {
    expect(toArmErrorResponse(new ServiceError('Unauthenticated', 'no token'))).toMatchObject({
      status: 401, headers: { 'www-authenticate': expect.stringMatching(/^Bearer/) }, body: { error: { code: 'Unauthenticated', message: 'no token' } },
    });
    expect(toArmErrorResponse(new ServiceError('Throttled', 'busy', { retryable: true })).headers['retry-after']).toBe('5');
    expect(toArmErrorResponse(new ServiceError('InvalidRequestBody', 'x: bad', { details: { target: 'x' } })).body).toEqual({ error: { code: 'InvalidRequestBody', message: 'x: bad', target: 'x' } });
  });

  it('hides unexpected failures behind a 500 that says to retry', () => {
    const res = toArmErrorResponse(new TypeError('secret internals'));
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('secret');
  });
});

describe('routing and paging helpers', () => {
  it('matches literals case-insensitively and captures names', () => {
    expect(matchPattern(['vaults', '{v}', 'replicationPolicies'], ['VAULTS', 'My', 'replicationpolicies'])).toEqual(['My']);
    expect(matchPattern(['vaults', '{v}'], ['vaults'])).toBeUndefined();
  });

  it('round-trips continuation tokens through nextLink', () => {
    const url = new URL('http://h/x?api-version=1&$skipToken=old');
    const next = new URL(nextLinkOf(url, '{"token":"a/b+c"}')!);
    expect(next.searchParams.get('api-version')).toBe('1');
    expect(skipTokenOf(next)).toBe('{"token":"a/b+c"}');
    expect(nextLinkOf(url, undefined)).toBeUndefined();
  });
});
