// The recovery fixture's registrations (API, recovery functions, orchestrators, activities) plus
// what the telemetry test needs of the real app: its start hook (which starts Application
// Insights), the merge's blob trigger and the replication sweep (RPO, logs waiting).
const dist = '../../../../../dist/functions';
require(`${dist}/appStart.js`);
require('../../../recovery/fixture-app/functions/app.js');
require(`${dist}/triggers/mergeReplicaLog.js`);
require(`${dist}/triggers/sweepReplicationTimer.js`);
