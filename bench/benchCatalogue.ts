/** One benchmark of bench/: a script run as its own process, with full-size and quick arguments. */
export interface BenchEntry {
  name: string;
  /** The compiled script, relative to dist/bench. */
  script: string;
  /** What it measures (one line) and its positional arguments. */
  description: string;
  usage: string;
  /** Arguments of the default quick run; undefined = not in the quick set (starts hosts, or takes minutes). */
  quickArgs?: string[];
}

/**
 * Every benchmark in bench/. `npm run bench` runs the quick set (small sizes, seconds each);
 * `npm run bench -- <name> [args]` runs one at the sizes the docs quote unless args are given.
 */
export const BENCHES: readonly BenchEntry[] = [
  { name: 'hrl', script: 'hrl/parseRate.js', description: 'HRL parse + CRC rate as a ratio to memcpy (docs/hrl-format.md)', usage: '[payloadMiB=64] [recordKiB=1024]', quickArgs: ['4', '256'] },
  { name: 'agent', script: 'agent/changeDetection.js', description: "the agent's change detection as a ratio to reading the image once (docs/agent.md)", usage: '[sizeMiB=1024] [changedPercent=1]', quickArgs: ['64', '1'] },
  { name: 'merge', script: 'merge/mergeThroughput.js', description: 'merge throughput as a ratio to raw Put Page on Azurite (docs/replication.md)', usage: '[logs=8] [MiBPerLog=32]', quickArgs: ['2', '4'] },
  { name: 'merge-fleet', script: 'merge/mergeFleet.js', description: 'many disks\' small logs through the blob trigger and the merge in funclocal: sustained logs/s ÷ 67, replication lag p50/p99, host memory (docs/replication.md)', usage: '[disks=2000] [steadySeconds=60]' },
  { name: 'agent-bitmap', script: 'agent/dirtyBitmapDetection.js', description: "the agent's change detection with qemu dirty bitmaps on a running guest (TCG), as a ratio to one full read (docs/agent.md)", usage: '[sizeMiB=512] [changedPercent=1]' },
  { name: 'cosmos-journal', script: 'emulators/cosmosJournalBench.js', description: "what durability costs the Cosmos emulator; restart time (docs/emulators.md)", usage: '[documents=20000]' },
  { name: 'durable', script: 'durable/durableBench.js', description: 'Durable fan-out and sequence on funclocal over Azurite (docs/durable-host.md)', usage: '[fanOut=1000] [steps=100]' },
  { name: 'resync', script: 'resync/repairReplication.js', description: 'a digest-diff repair of a diverged replica: bytes shipped and time as ratios to the disk and a full seed (docs/replication.md)', usage: '[diskMiB=1024] [divergedPercent=1]' },
  { name: 'failback', script: 'failback/failbackBench.js', description: 'a failback round: bytes shipped and time as ratios to the bytes changed and their plain copy (docs/failback.md)', usage: '[diskMiB=1024] [changedPercent=1]', quickArgs: ['64', '1'] },
  { name: 'events', script: 'events/outboxBench.js', description: 'latency a replication event adds to its state change and to the merge of a 4 MiB log; events/s through outbox and webhook delivery (docs/events.md)', usage: '[states=200] [mergeRounds=15]', quickArgs: ['50', '3'] },
  { name: 'drill', script: 'drill/drillBench.js', description: 'drill wall time (request -> verdict with probes passed; and -> cleanup done) on the qemu fabric in funclocal, as a ratio to booting the guest directly with qemu (docs/drills.md)', usage: '[machines=1,3] [DRILL_POLL_SECONDS]' },
  { name: 'failover', script: 'failover/failoverBench.js', description: 'a many-machine test failover on the local fabric in funclocal (docs/recovery-plans.md)', usage: '[machines=100] [groups=5] [diskMiB=1]' },
];
