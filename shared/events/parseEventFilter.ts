import { ServiceError } from '../errors';
import { readFilterClauses, type EventQuery } from '../metadata';
import { EVENT_SEVERITIES } from './ReplicationEventDraft';

/** Fields of ASR's `EventQueryParameter` (and `timeOfOccurrence`), by lower-case name. */
const STRING_FIELDS = ['eventCode', 'severity', 'eventType', 'fabricName', 'affectedObjectFriendlyName', 'affectedObjectCorrelationId'] as const;
const TIME_FIELDS = ['startTime', 'endTime', 'timeOfOccurrence'] as const;
const FIELDS = new Map<string, string>([...STRING_FIELDS, ...TIME_FIELDS].map((f) => [f.toLowerCase(), f]));

const GRAMMAR = "clauses `<field> <op> '<value>'` joined by `and`; fields: eventCode, severity, eventType, fabricName, "
  + 'affectedObjectFriendlyName, affectedObjectCorrelationId (op eq), startTime, endTime (eq, ge, le: the bounds of the time range), '
  + 'timeOfOccurrence (ge, gt, le, lt); values in single quotes, times as ISO 8601';

function invalid(message: string): ServiceError {
  return new ServiceError('InvalidFilter', `$filter: ${message}. Expected ${GRAMMAR}`, { details: { target: '$filter' } });
}

function isoTime(field: string, value: string, shiftMs = 0): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(`${field}: '${value}' is not a time (ISO 8601, e.g. 2026-12-05T10:00:00Z)`);
  return new Date(ms + shiftMs).toISOString();
}

/**
 * Parses the `$filter` of `replicationEvents` (ASR's OData filter over `EventQueryParameter`,
 * as the official client passes `options.filter`) into a store query. Anything else is a 400
 * `InvalidFilter` naming what is wrong and the grammar.
 */
export function parseEventFilter(filter: string | null | undefined): EventQuery {
  const query: EventQuery = {};
  const seen = new Set<string>();
  for (const c of readFilterClauses(filter, invalid)) {
    const field = FIELDS.get(c.field.toLowerCase());
    if (!field) throw invalid(`unknown field '${c.field}'`);
    const key = field === 'timeOfOccurrence' ? `${field} ${c.op[0]}` : field;
    if (seen.has(key)) throw invalid(`'${field}' appears twice`);
    seen.add(key);
    apply(query, field, c.op, c.value);
  }
  if (query.startTime && query.endTime && query.startTime > query.endTime) throw invalid(`the time range is empty (start ${query.startTime} is after end ${query.endTime})`);
  return query;
}

function apply(query: EventQuery, field: string, op: string, value: string): void {
  if ((STRING_FIELDS as readonly string[]).includes(field)) {
    if (op !== 'eq') throw invalid(`'${field}' takes only eq, not ${op}`);
    if (field === 'severity' && !(EVENT_SEVERITIES as readonly string[]).some((s) => s.toLowerCase() === value.toLowerCase())) {
      throw invalid(`severity '${value}' is none of ${EVENT_SEVERITIES.join(', ')}`);
    }
    query[field as (typeof STRING_FIELDS)[number]] = value;
    return;
  }
  const lower = field === 'startTime' ? op === 'eq' || op === 'ge' : field === 'endTime' ? false : op === 'ge' || op === 'gt';
  if (field === 'startTime' && op !== 'eq' && op !== 'ge') throw invalid(`startTime takes eq or ge, not ${op}`);
  if (field === 'endTime' && op !== 'eq' && op !== 'le') throw invalid(`endTime takes eq or le, not ${op}`);
  if (field === 'timeOfOccurrence' && op === 'eq') throw invalid('timeOfOccurrence takes ge, gt, le or lt, not eq');
  const shift = op === 'gt' ? 1 : op === 'lt' ? -1 : 0;
  const time = isoTime(field, value, shift);
  if (lower) {
    if (query.startTime !== undefined) throw invalid('two lower bounds of the time');
    query.startTime = time;
  } else {
    if (query.endTime !== undefined) throw invalid('two upper bounds of the time');
    query.endTime = time;
  }
}
