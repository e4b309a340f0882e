import * as df from 'durable-functions';
import { createRecoveryActivities, type RecoveryActivities } from '../../shared/recovery/activities/createRecoveryActivities';
import type { ActivityInput, ActivityOutput, RecoveryActivityName } from '../../shared/recovery/plan/RecoveryActivityMap';
import { recoveryDepsFromEnv } from '../../shared/recovery/recoveryDepsFromEnv';

let activities: Promise<RecoveryActivities> | undefined;

function built(): Promise<RecoveryActivities> {
  activities ??= recoveryDepsFromEnv().then(createRecoveryActivities);
  activities.catch(() => { activities = undefined; });
  return activities;
}

/**
 * Registers one recovery activity under its name of `RecoveryActivityMap`: a thin adapter that
 * builds the dependencies once and calls `shared/recovery`. The input arrives JSON-decoded, as
 * the orchestrator sent it through the same map.
 */
function register<N extends RecoveryActivityName>(name: N): void {
  df.app.activity(name, {
    handler: async (input: ActivityInput<N>): Promise<ActivityOutput<N>> => (await built())[name](input),
  });
}

/** Every activity of the map, once: a name missing here (or one the map lacks) does not compile. */
const NAMES: { [N in RecoveryActivityName]: N } = {
  recordJob: 'recordJob', checkPrerequisites: 'checkPrerequisites', requestShutdown: 'requestShutdown', pollFinalLogs: 'pollFinalLogs',
  clearShutdownRequests: 'clearShutdownRequests', recoverMachine: 'recoverMachine',
  settleMachine: 'settleMachine', startRunbook: 'startRunbook', finishScenario: 'finishScenario', rollBackFailover: 'rollBackFailover',
  failbackRound: 'failbackRound', failbackMachineStep: 'failbackMachineStep', rollBackFailback: 'rollBackFailback',
};

for (const name of Object.values(NAMES)) register(name);
