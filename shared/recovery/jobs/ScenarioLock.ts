import { ServiceError } from '../../errors';
import type { MetadataStore, ResourceDocument } from '../../metadata';
import { documentIdOfArmId } from '../../metadata/documentIdOfArmId';
import { activeLocationAfter, allowedOperationsAfter, INITIAL_OPERATIONS, type ScenarioOutcome } from '../plan/allowedOperations';
import { allowedOperationOf, type RecoveryScenario } from '../plan/RecoveryScenario';
import { scenarioMarks } from './scenarioTimes';
import type { ScenarioTargets } from '../plan/ScenarioTargets';

/** ASR's `currentScenario` of a plan or item. */
export interface CurrentScenario {
  scenarioName: RecoveryScenario;
  jobId: string;
  startTime: string;
}

type Doc = ResourceDocument<Record<string, unknown>>;

function allowedOf(doc: Doc): string[] {
  return (doc.properties.allowedOperations as string[] | undefined) ?? INITIAL_OPERATIONS;
}

function notAllowed(what: string, doc: Doc, scenario: RecoveryScenario): ServiceError {
  const current = doc.properties.currentScenario as CurrentScenario | undefined;
  const allowed = allowedOf(doc);
  return new ServiceError('Conflict',
    `${what} '${doc.name}' does not allow ${describeScenario(scenario)} now` +
    (current ? ` (${current.scenarioName} is ${String(doc.properties.currentScenarioStatus ?? 'running')}, job ${current.jobId.split('/').pop()})` : '') +
    `; it allows ${allowed.length ? allowed.join(', ') : 'nothing until the running operation ends'}`,
    { details: { allowedOperations: allowed } });
}

/** A scenario as an operator asked for it (a failback is a planned failover back to the primary site). */
function describeScenario(scenario: RecoveryScenario): string {
  const word = allowedOperationOf(scenario);
  return word === scenario ? scenario : `${word} (${scenario})`;
}

async function read(store: MetadataStore, vaultKey: string, armId: string, what: string): Promise<Doc> {
  const doc = await store.getResource(vaultKey, documentIdOfArmId(armId));
  if (!doc) throw new ServiceError('NotFound', `${what} ${armId} does not exist`);
  return doc;
}

/**
 * One scenario at a time per plan and per item. `begin` checks that the plan and every item
 * allow the scenario, then marks them with it using conditional writes (a racing second request
 * loses with `Conflict`, a 409); `finish` records the outcome and the operations
 * allowed next.
 */
export class ScenarioLock {
  constructor(private readonly store: MetadataStore) {}

  /** `changeItem`: what starting does to each item beyond the scenario marks (a failback's protection state). */
  async begin(t: ScenarioTargets, scenario: RecoveryScenario, current: CurrentScenario, changeItem: (p: Record<string, unknown>) => Record<string, unknown> = (p) => p): Promise<void> {
    // A lost race is re-judged on fresh documents: if another operation won, the scenario is no
    // longer allowed (409); if the write that won was benign (the previous job's final marks, a
    // plan edit), the next attempt goes through.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.tryBegin(t, scenario, current, changeItem);
        return;
      } catch (err) {
        if (!(err instanceof ServiceError && err.code === 'PreconditionFailed') || attempt >= 5) {
          if (err instanceof ServiceError && err.code === 'PreconditionFailed') {
            throw new ServiceError('Conflict', `another operation changed the plan or its items at the same moment ${attempt} times in a row; look at the running job and try again`, { cause: err });
          }
          throw err;
        }
        await new Promise((r) => setTimeout(r, Math.random() * 50));
      }
    }
  }

  private async tryBegin(t: ScenarioTargets, scenario: RecoveryScenario, current: CurrentScenario, changeItem: (p: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
    const plan = t.planId ? await read(this.store, t.vaultKey, t.planId, 'recovery plan') : undefined;
    if (plan && !allowedOf(plan).includes(allowedOperationOf(scenario))) throw notAllowed('recovery plan', plan, scenario);
    const items: Doc[] = [];
    for (const id of t.itemIds) {
      const item = await read(this.store, t.vaultKey, id, 'protected item');
      if (!allowedOf(item).includes(allowedOperationOf(scenario))) throw notAllowed('protected item', item, scenario);
      items.push(item);
    }
    const mark = (doc: Doc): Doc => {
      const isPlan = doc.armId.toLowerCase() === t.planId?.toLowerCase();
      const properties = {
        ...doc.properties, currentScenario: current, currentScenarioStatus: 'InProgress', currentScenarioStatusDescription: 'InProgress', allowedOperations: allowedOperationsAfter(scenario, 'Started'),
        ...scenarioMarks(scenario, 'Started', current.startTime, isPlan ? 'plan' : 'item'),
      };
      return { ...doc, properties: isPlan ? properties : changeItem(properties) };
    };
    const written: Doc[] = [];
    try {
      for (const doc of plan ? [plan, ...items] : items) {
        await this.store.replaceResource(mark(doc), { ifMatch: doc._etag });
        written.push(doc);
      }
    } catch (err) {
      // Put back what this attempt marked, so the one that won keeps a consistent picture.
      for (const doc of written) await this.restore(t.vaultKey, doc).catch(() => undefined);
      throw err;
    }
  }

  /** `changeItem`: what the outcome does to each item beyond the scenario marks (its protection state). */
  async finish(t: ScenarioTargets, scenario: RecoveryScenario, outcome: ScenarioOutcome, at: string, changeItem: (p: Record<string, unknown>) => Record<string, unknown> = (p) => p): Promise<void> {
    const ids = [...(t.planId ? [t.planId] : []), ...t.itemIds];
    for (const id of ids) {
      await this.update(t.vaultKey, id, (p) => {
        const current = p.currentScenario as CurrentScenario | undefined;
        if (t.jobId && current && current.jobId.toLowerCase() !== t.jobId.toLowerCase()) return p;
        const location = outcome === 'Succeeded' ? activeLocationAfter(scenario) : undefined;
        const marked = {
          ...p,
          currentScenarioStatus: outcome === 'Started' ? 'InProgress' : outcome,
          currentScenarioStatusDescription: `${scenario} ${outcome.toLowerCase()} at ${at}`,
          allowedOperations: allowedOperationsAfter(scenario, outcome),
          ...(location ? { activeLocation: location } : {}),
          ...scenarioMarks(scenario, outcome, at, id === t.planId ? 'plan' : 'item'),
        };
        return id === t.planId ? marked : changeItem(marked);
      });
    }
  }

  private async restore(vaultKey: string, original: Doc): Promise<void> {
    await this.update(vaultKey, original.armId, () => original.properties);
  }

  private async update(vaultKey: string, armId: string, change: (p: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const doc = await this.store.getResource(vaultKey, documentIdOfArmId(armId));
      if (!doc) return; // deleted meanwhile: nothing to mark
      const next = change(doc.properties);
      if (next === doc.properties) return;
      try {
        await this.store.replaceResource({ ...doc, properties: next, updatedAt: new Date().toISOString() }, { ifMatch: doc._etag });
        return;
      } catch (err) {
        if (!(err instanceof ServiceError && err.code === 'PreconditionFailed') || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 30));
      }
    }
  }
}
