// The recovery fixture app's registrations (the API, the recovery functions, orchestrators and
// activities), plus the reverse replication timer (docs/reverse-replication.md) that steps the rounds.
require('../../../recovery/fixture-app/functions/app.js');
require('../../../../../dist/functions/reverseReplicationTimer.js');
