// The recovery fixture's registrations (no blob trigger: the test merges logs itself) plus the
// console, as the real app registers it.
const dist = '../../../../../dist/functions';
require(`${dist}/http/armApi.js`);
require(`${dist}/http/planActions.js`);
require(`${dist}/http/itemActions.js`);
require(`${dist}/http/jobs.js`);
require(`${dist}/http/runbookCallback.js`);
require(`${dist}/http/console.js`);
require(`${dist}/orchestrators/recoverMachineOrchestrator.js`);
require(`${dist}/orchestrators/recoveryPlanOrchestrator.js`);
require(`${dist}/activities/recoveryActivities.js`);
