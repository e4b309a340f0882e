// The recovery fixture's registrations (API, recovery HTTP functions, orchestrators, activities)
// plus the drills': the scheduler timer, the drill orchestrator and activities, the run-now route.
// No blob trigger: the tests merge logs themselves.
const dist = '../../../../../dist/functions';
require('../../../recovery/fixture-app/functions/app.js');
require(`${dist}/http/drillActions.js`);
require(`${dist}/orchestrators/drillRunOrchestrator.js`);
require(`${dist}/activities/drillActivities.js`);
require(`${dist}/triggers/drillSchedulerTimer.js`);
