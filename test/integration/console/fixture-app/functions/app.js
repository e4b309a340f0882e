// The recovery fixture's registrations (no blob trigger: the test merges logs itself) plus the
// console, as the real app registers it.
require('../../../recovery/fixture-app/functions/app.js');
require('../../../../../dist/functions/http/console.js');
