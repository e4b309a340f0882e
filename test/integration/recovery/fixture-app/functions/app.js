// The app's real compiled registrations (npm test builds dist/ first): the API, the recovery
// HTTP functions, orchestrators and activities. No blob trigger: the tests merge logs
// themselves so that which log is merged when stays under their control.
const dist = '../../../../../dist/functions';
require(`${dist}/http/armApi.js`);
require(`${dist}/http/planActions.js`);
require(`${dist}/http/itemActions.js`);
require(`${dist}/http/jobs.js`);
require(`${dist}/http/alertRuleTrigger.js`);
require(`${dist}/http/runbookCallback.js`);
require(`${dist}/orchestrators/recoveryPlanOrchestrator.js`);
require(`${dist}/activities/recoveryActivities.js`);
