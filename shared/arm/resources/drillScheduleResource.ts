import { z } from 'zod';
import { DrillScheduleInputSchema, nextOccurrence, type DrillScheduleProperties } from '../../drills';
import { parseBody } from '../parseBody';
import type { ResourceDefinition } from '../ResourceDefinition';

const createInput = z.object({ properties: DrillScheduleInputSchema }).strict();
/** PATCH names only what changes; the merged settings are then checked as a whole. */
const updateInput = z.object({ properties: z.record(z.string(), z.unknown()) }).strict();

/** The settings as a request would give them (what a PATCH merges into). */
function inputOf(p: DrillScheduleProperties): Record<string, unknown> {
  const { activeSince: _since, ...settings } = p;
  return settings;
}

/** Due times count from now when the schedule is new, re-enabled, or its timing changed (no backlog of the old timing). */
function activeSinceOf(next: Omit<DrillScheduleProperties, 'activeSince'>, existing: DrillScheduleProperties | undefined): string {
  const same = existing && existing.enabled && next.enabled && existing.schedule === next.schedule && existing.timeZone === next.timeZone;
  return same ? existing.activeSince : new Date().toISOString();
}

/**
 * A recovery plan's drill schedule (our extension; docs/drills.md): when the plan is drilled
 * (NCRONTAB with seconds in an IANA time zone), from which point, how far the drill verifies,
 * how long the machines stay up before the automatic cleanup, what the drill does at manual
 * actions, and who is told. Under the plan, so the plan cannot be deleted while it has one;
 * `replicationDrillSchedules` lists the vault's.
 */
export const drillScheduleResource: ResourceDefinition<DrillScheduleProperties> = {
  kind: 'drillSchedule',
  collections: ['replicationRecoveryPlans', 'drillSchedules'],
  storedAncestors: [0],
  type: 'Microsoft.RecoveryServices/vaults/replicationRecoveryPlans/drillSchedules',
  vaultListSegment: 'replicationDrillSchedules',
  putReplaces: true,
  asyncPut: false,
  asyncDelete: false,
  createSchema: createInput,
  updateSchema: updateInput,
  async build(input, _ctx, existing) {
    const p = parseBody(createInput, input).properties;
    return { properties: { ...p, activeSince: activeSinceOf(p, existing?.properties) }, refs: [] };
  },
  async update(input, existing) {
    const changes = parseBody(updateInput, input).properties;
    const p = parseBody(createInput, { properties: { ...inputOf(existing.properties), ...changes } }).properties;
    return { properties: { ...p, activeSince: activeSinceOf(p, existing.properties) }, refs: [] };
  },
  present(p, ctx) {
    return { ...p, ...(p.enabled ? { nextRunTime: nextOccurrence(p.schedule, p.timeZone, ctx.now).toISOString() } : {}) };
  },
};
