import { ServiceError } from '../errors';
import { readFilterClauses, type AuditQuery } from '../metadata';

const GRAMMAR = "clauses `<field> <op> '<value>'` joined by `and`; fields: time (ge, gt, le, lt; ISO 8601), caller (eq: the subject or name), "
  + "operation (eq, e.g. 'testFailover replicationRecoveryPlans'), outcome (eq: Succeeded or Failed)";

function invalid(message: string): ServiceError {
  return new ServiceError('InvalidFilter', `$filter: ${message}. Expected ${GRAMMAR}`, { details: { target: '$filter' } });
}

/**
 * Parses the `$filter` of `replicationAuditEvents` into a store query (docs/reports.md).
 * Anything outside the grammar is a 400 `InvalidFilter` naming what is wrong.
 */
export function parseAuditFilter(filter: string | null | undefined): AuditQuery {
  const query: AuditQuery = {};
  for (const c of readFilterClauses(filter, invalid)) {
    const field = c.field.toLowerCase();
    if (field === 'time') {
      if (c.op === 'eq') throw invalid('time takes ge, gt, le or lt, not eq');
      const ms = Date.parse(c.value);
      if (!Number.isFinite(ms)) throw invalid(`time: '${c.value}' is not a time (ISO 8601, e.g. 2026-12-05T10:00:00Z)`);
      const lower = c.op === 'ge' || c.op === 'gt';
      const at = new Date(ms + (c.op === 'gt' ? 1 : c.op === 'lt' ? -1 : 0)).toISOString();
      if (lower ? query.from !== undefined : query.to !== undefined) throw invalid(`two ${lower ? 'lower' : 'upper'} bounds of the time`);
      if (lower) query.from = at; else query.to = at;
      continue;
    }
    if (field !== 'caller' && field !== 'operation' && field !== 'outcome') throw invalid(`unknown field '${c.field}'`);
    if (c.op !== 'eq') throw invalid(`'${field}' takes only eq, not ${c.op}`);
    if (query[field] !== undefined) throw invalid(`'${field}' appears twice`);
    if (field === 'outcome') {
      const outcome = ['Succeeded', 'Failed'].find((o) => o.toLowerCase() === c.value.toLowerCase());
      if (!outcome) throw invalid(`outcome '${c.value}' is neither Succeeded nor Failed`);
      query.outcome = outcome as AuditQuery['outcome'];
    } else {
      if (c.value.length === 0 || c.value.length > 500) throw invalid(`'${field}' must be 1-500 characters`);
      query[field] = c.value;
    }
  }
  if (query.from && query.to && query.from > query.to) throw invalid(`the time range is empty (from ${query.from} is after ${query.to})`);
  return query;
}
