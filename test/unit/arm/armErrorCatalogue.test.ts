import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError } from '../../../shared/errors';
import { ARM_ERROR_STATUS, toArmErrorResponse } from '../../../shared/arm';
import { matchPattern } from '../../../shared/arm/ArmRoute';
import { nextLinkOf, skipTokenOf } from '../../../shared/arm/paging';

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourcesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the error catalogue', () => {
  it('has a status for every error code the API layer, stores and verifier throw', () => {
    const root = join(__dirname, '../../../shared');
    const thrown = new Set<string>();
    for (const dir of ['arm', 'metadata', 'security']) {
      for (const file of sourcesUnder(join(root, dir))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/new ServiceError\(\s*'(\w+)'/g)) thrown.add(m[1]);
      }
    }
    // Codes the API never answers with: configuration faults of the dev issuer and CLI-side roles.
    const notHttp = new Set(['DevIssuerUnreadable', 'DevIssuerMissing', 'InvalidRole']);
    const missing = [...thrown].filter((c) => !notHttp.has(c) && ARM_ERROR_STATUS[c] === undefined);
    expect(missing).toEqual([]);
    expect(thrown.size).toBeGreaterThan(8);
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
