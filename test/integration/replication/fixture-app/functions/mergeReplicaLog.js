// The app's real blob trigger, compiled (npm test builds dist/ first), alone: no timer, so
// only the blob trigger can merge in the end-to-end test.
require('../../../../../dist/functions/triggers/mergeReplicaLog.js');
