import { z } from 'zod';
import { ServiceError } from '../../errors';
import type { ProtectedItemProperties, ResourceDocument } from '../../metadata';
import type { FailbackOptions } from '../plan/FailbackOptions';
import type { PlanSnapshot } from '../plan/PlanSnapshot';
import type { RecoveryScenario } from '../plan/RecoveryScenario';
import type { CurrentScenario } from '../jobs/ScenarioLock';

/**
 * Where a failback writes a new disk (CreateVmIfNotFound): an absolute directory on the primary
 * host (POSIX `/…` or Windows `C:\…`), never a URL, no NUL, at most 1024 characters. The agent
 * checks it again where it runs.
 */
export const alternateLocationSchema = z.string().min(1).max(1024)
  .refine((p) => !p.includes('\0'), 'must not contain NUL characters')
  .refine((p) => !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(p), 'must be a directory path on the primary host, not a URL')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path (/… or C:\\…)');

/** ASR's `HyperVReplicaAzureFailback` provider input, with our `alternateLocation`. */
export const failbackDetailsSchema = z.object({
  instanceType: z.literal('HyperVReplicaAzureFailback').optional(),
  dataSyncOption: z.enum(['ForDownTime', 'ForSynchronization']).optional(),
  recoveryVmCreationOption: z.enum(['CreateVmIfNotFound', 'NoAction']).optional(),
  providerIdForAlternateRecovery: z.string().optional(),
  alternateLocation: alternateLocationSchema.optional(),
}).loose();

/** The failback's options from its provider input; ForSynchronization and NoAction unless said. */
export function failbackOptionsOf(details: unknown): FailbackOptions {
  const r = failbackDetailsSchema.safeParse(details ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = `properties.providerSpecificDetails.${issue.path.map(String).join('.')}`;
    throw new ServiceError('InvalidRequestBody', `${field}: ${issue.message}`, { details: { target: field } });
  }
  const d = r.data;
  const recoveryVmCreationOption = d.recoveryVmCreationOption ?? 'NoAction';
  if (recoveryVmCreationOption === 'CreateVmIfNotFound' && !d.alternateLocation) {
    throw new ServiceError('InvalidRequestBody',
      'properties.providerSpecificDetails.alternateLocation: recoveryVmCreationOption CreateVmIfNotFound writes a new disk on the primary host; name the absolute directory it goes to (our extension field alternateLocation; asr … failback --alternate <dir>)',
      { details: { target: 'properties.providerSpecificDetails.alternateLocation' } });
  }
  return {
    dataSyncOption: d.dataSyncOption ?? 'ForSynchronization',
    recoveryVmCreationOption,
    ...(recoveryVmCreationOption === 'CreateVmIfNotFound' ? { alternateLocation: d.alternateLocation } : {}),
  };
}

/** The states from which an item may fail back: its failover committed, reverse replication running, or a failback that failed (to retry). */
const FAILBACK_FROM = ['FailoverCommitted', 'ReverseReplicating', 'FailbackFailed'];

/** Why `item` cannot start reverse replication (reprotect RecoveryToPrimary) now; undefined when it can. */
function reverseRefusal(item: ResourceDocument<ProtectedItemProperties>): string | undefined {
  const state = item.properties.protectionState;
  if (state === 'FailoverCommitted') return undefined;
  if (state === 'ReverseReplicating') return `protected item '${item.name}' already replicates to the primary site; fail back (plannedFailover RecoveryToPrimary) or stop it (failoverCancel)`;
  if (state === 'FailedOver') return `protected item '${item.name}' is FailedOver and its failover is not committed: commit it first (failoverCommit), then reprotect RecoveryToPrimary`;
  if (state === 'FailbackCommitted') return `protected item '${item.name}' has failed back and runs in the primary site: reprotect it with failoverDirection PrimaryToRecovery`;
  if (state.startsWith('Failback')) return `protected item '${item.name}' is ${state}: commit or cancel that failback first`;
  return `protected item '${item.name}' is ${state} and runs in the primary site: reverse replication needs a committed failover (the workload must run in the recovery site)`;
}

/** Why `item` cannot fail back now, in words an operator acts on; undefined when it can. */
function failbackRefusal(item: ResourceDocument<ProtectedItemProperties>): string | undefined {
  const state = item.properties.protectionState;
  if (FAILBACK_FROM.includes(state)) return undefined;
  if (state === 'FailedOver') return `protected item '${item.name}' is FailedOver and its failover is not committed: commit it first (failoverCommit) and fail back then, or cancel it (failoverCancel) to return to the primary site without a failback`;
  if (state === 'FailbackCompleted' || state === 'FailbackInProgress') return `protected item '${item.name}' is ${state}: it is failing or has failed back already; commit or cancel that failback`;
  if (state === 'FailbackCommitted') return `protected item '${item.name}' has failed back and runs in the primary site; reprotect it (reProtect) to replicate to the recovery site again`;
  return `protected item '${item.name}' is ${state} and runs in the primary site: a failback needs a committed failover first (there is nothing in the recovery site to fail back from)`;
}

/**
 * The scenario an ARM operation runs on a target, from its direction and the target's current
 * scenario: a planned failover back (RecoveryToPrimary) is a failback; a commit or cancel while
 * a failback is the current scenario is the failback's. Refuses with 400, naming the item and
 * why, what the items' states do not allow (a failback before a committed failover, a failover
 * forward of an item that runs in the recovery site, an unplanned or test failover back).
 */
export function resolveScenario(
  requested: RecoveryScenario, direction: 'PrimaryToRecovery' | 'RecoveryToPrimary', current: CurrentScenario | undefined,
  snapshot: PlanSnapshot, items: ResourceDocument<ProtectedItemProperties>[],
): RecoveryScenario {
  const what = snapshot.targetType === 'RecoveryPlan' ? `recovery plan '${snapshot.targetName}'` : `protected item '${snapshot.targetName}'`;
  const failback = current?.scenarioName === 'Failback';
  if (requested === 'FailoverCommit' && (failback || current?.scenarioName === 'FailbackCommit')) return 'FailbackCommit';
  // Stopping reverse replication is a cancel of the path home: the recovered machine runs on, a committed failover again.
  const reverse = current?.scenarioName === 'ReverseReprotect';
  if (requested === 'CancelFailover' && (failback || reverse || current?.scenarioName === 'FailbackCancel')) return 'FailbackCancel';
  if (requested === 'Reprotect') {
    if (direction === 'RecoveryToPrimary') {
      const refusals = items.map(reverseRefusal).filter((r): r is string => r !== undefined);
      if (refusals.length > 0) {
        throw new ServiceError('ReverseReplicationNotAllowed', `reprotect RecoveryToPrimary (continuous reverse replication) of ${what} refused: ${refusals.join('; ')}`, {
          details: { target: 'properties.failoverDirection', items: items.map((i) => ({ name: i.name, protectionState: i.properties.protectionState })) },
        });
      }
      return 'ReverseReprotect';
    }
    return 'Reprotect';
  }
  const forward = requested === 'TestFailover' || requested === 'PlannedFailover' || requested === 'UnplannedFailover';
  if (!forward) return requested;
  if (direction === 'RecoveryToPrimary') {
    if (requested !== 'PlannedFailover') {
      throw new ServiceError('FailbackNotSupported',
        `properties.failoverDirection: RecoveryToPrimary with ${requested} of ${what} is not supported: a failback is a planned failover back to the primary site (plannedFailover with failoverDirection RecoveryToPrimary)`,
        { details: { target: 'properties.failoverDirection' } });
    }
    const refusals = items.map(failbackRefusal).filter((r): r is string => r !== undefined);
    if (refusals.length > 0) {
      throw new ServiceError('FailbackNotAllowed', `failback of ${what} refused: ${refusals.join('; ')}`, {
        details: { target: 'properties.failoverDirection', items: items.map((i) => ({ name: i.name, protectionState: i.properties.protectionState })) },
      });
    }
    return 'Failback';
  }
  const away = items.filter((i) => FAILBACK_FROM.includes(i.properties.protectionState) || i.properties.protectionState === 'FailbackCompleted');
  if (away.length > 0) {
    throw new ServiceError('FailoverDirectionInvalid',
      `properties.failoverDirection: ${requested} of ${what} from the primary site is refused: ${away.map((i) => `'${i.name}' runs in the recovery site (${i.properties.protectionState})`).join(', ')}; ` +
      'fail back first (plannedFailover with failoverDirection RecoveryToPrimary), commit it and reprotect',
      { details: { target: 'properties.failoverDirection' } });
  }
  return requested;
}
