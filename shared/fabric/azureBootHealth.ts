import type { VirtualMachineInstanceView } from '@azure/arm-compute';
import type { MachineCheck } from './MachineCheck';

/** How much of the serial console a failed check reports. */
const TAIL_LINES = 20;
const TAIL_CHARS = 2000;

/**
 * The checks of one instance view: provisioned, running, no disk in error, and the guest booted
 * (its VM agent reports `ProvisioningState/succeeded` and a `Ready` status). `settled` = waiting
 * longer cannot help (provisioning failed or the VM is not running).
 */
export function bootHealthChecks(view: VirtualMachineInstanceView): { checks: MachineCheck['checks']; powerState: string; settled: boolean } {
  const statuses = view.statuses ?? [];
  const provisioning = statuses.find((s) => s.code?.startsWith('ProvisioningState/'));
  const power = statuses.find((s) => s.code?.startsWith('PowerState/'));
  const agent = view.vmAgent?.statuses ?? [];
  const agentReady = agent.some((s) => s.code === 'ProvisioningState/succeeded') && agent.some((s) => s.displayStatus === 'Ready');
  const agentStatus = agent.map((s) => s.displayStatus ?? s.code).filter(Boolean).join(', ');
  const checks = [
    { name: 'provisioningState', ok: provisioning?.code === 'ProvisioningState/succeeded', detail: provisioning?.displayStatus ?? provisioning?.code ?? 'unknown' },
    { name: 'powerState', ok: power?.code === 'PowerState/running', detail: power?.displayStatus ?? power?.code ?? 'unknown' },
    { name: 'vmAgent', ok: agentReady, detail: agentReady ? `Ready${view.vmAgent?.vmAgentVersion ? ` (${view.vmAgent.vmAgentVersion})` : ''}` : `not ready: ${agentStatus || 'the guest has not reported (not booted, or no VM agent)'}` },
  ];
  for (const d of view.disks ?? []) {
    const bad = (d.statuses ?? []).find((s) => s.level === 'Error');
    checks.push({ name: `disk ${d.name}`, ok: !bad, detail: bad?.message ?? 'ok' });
  }
  const settled = provisioning?.code === 'ProvisioningState/failed' || (power !== undefined && !['PowerState/running', 'PowerState/starting'].includes(power.code ?? ''));
  return { checks, powerState: power?.code?.slice('PowerState/'.length) ?? 'unknown', settled };
}

/** The last lines of a serial console log, for a job error. */
export function consoleTail(log: string): string {
  const lines = log.replace(/\r/g, '').split('\n').filter((l) => l.trim() !== '');
  const tail = lines.slice(-TAIL_LINES).join('\n');
  return tail.length > TAIL_CHARS ? tail.slice(-TAIL_CHARS) : tail || '(serial console log is empty)';
}
