import * as df from 'durable-functions';
import { createRecoveryActivities, type RecoveryActivities } from '../../shared/recovery/activities/createRecoveryActivities';
import { recoveryDepsFromEnv } from '../../shared/recovery/recoveryDepsFromEnv';

let activities: Promise<RecoveryActivities> | undefined;

function built(): Promise<RecoveryActivities> {
  activities ??= recoveryDepsFromEnv().then(createRecoveryActivities);
  activities.catch(() => { activities = undefined; });
  return activities;
}

/**
 * Registers every recovery activity under its own name: thin adapters that build the
 * dependencies once and call `shared/recovery`. The input arrives already JSON-decoded.
 */
const names: (keyof RecoveryActivities)[] = [
  'recordJob', 'checkPrerequisites', 'requestShutdown', 'pollFinalLogs', 'clearShutdownRequests',
  'beginMachine', 'materializeDisk', 'bringUpMachine', 'settleMachine', 'startRunbook', 'finishScenario', 'rollBackFailover',
];

for (const name of names) {
  df.app.activity(name, {
    handler: async (input: unknown) => {
      const a = await built();
      return (a[name] as (i: unknown) => Promise<unknown>)(input);
    },
  });
}
