import type { DrillScheduleDocument, DrillScheduleProperties } from '../../shared/drills';
import { resourceDocumentId, type MetadataStore } from '../../shared/metadata';

/** Where a schedule goes: the vault's key and ARM id, the plan and the schedule's name. */
export interface ScheduleLocation {
  vaultKey: string;
  vaultId: string;
  plan: string;
  name: string;
}

/** Stores a drill schedule document as the schedule API stores it (defaults: every minute, Latest, Disks, no keep-up). */
export function storeDrillSchedule(store: MetadataStore, at: ScheduleLocation, p: Partial<DrillScheduleProperties> = {}): Promise<DrillScheduleDocument> {
  const props: DrillScheduleProperties = {
    schedule: '0 * * * * *', timeZone: 'UTC', enabled: true, recoveryPoint: { type: 'Latest' }, verification: 'Disks', keepUpSeconds: 0,
    testNetworkId: 'drill-isolated', manualActions: [], manualActionDeadlineSeconds: 60, missedRunGraceSeconds: 900, notify: { targets: [] },
    activeSince: '2026-12-05T09:00:00.000Z', ...p,
  };
  const now = new Date().toISOString();
  const plan = `${at.vaultId}/replicationRecoveryPlans/${at.plan}`;
  return store.createResource({
    id: resourceDocumentId(['replicationRecoveryPlans', at.plan, 'drillSchedules', at.name]), vaultKey: at.vaultKey, kind: 'drillSchedule', name: at.name,
    armId: `${plan}/drillSchedules/${at.name}`, parentId: plan.toLowerCase(), refs: [], properties: props, createdAt: now, updatedAt: now,
  }) as Promise<DrillScheduleDocument>;
}
