// The recovery fixture's registrations (no blob trigger: the test merges logs itself) plus the
// console, as the real app registers it, and drills run now (no scheduler timer: the test's
// schedules are disabled and run from the console's Drill button or the API).
require('../../../recovery/fixture-app/functions/app.js');
require('../../../../../dist/functions/http/drillActions.js');
require('../../../../../dist/functions/orchestrators/drillRunOrchestrator.js');
require('../../../../../dist/functions/activities/drillActivities.js');
require('../../../../../dist/functions/http/console.js');
