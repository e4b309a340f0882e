import type { Command } from 'commander';
import { buildProgram } from '../../../cli/asr';
import { targetUpdateOf } from '../../../cli/commands/itemTarget';
import { actionOf, groupIndexOf, type AddActionOptions, type PlanGroup } from '../../../cli/commands/planEdit';

function leaves(c: Command, path: string[] = []): string[][] {
  return c.commands.length === 0 ? [path] : c.commands.flatMap((s) => leaves(s, [...path, s.name()]));
}

describe('the asr CLI is complete', () => {
  it('every command takes --json', () => {
    const program = buildProgram();
    const find = (path: string[]) => path.reduce<Command>((c, n) => c.commands.find((s) => s.name() === n)!, program);
    const without = leaves(program).filter((p) => !find(p).options.some((o) => o.long === '--json')).map((p) => p.join(' '));
    expect(without).toEqual([]);
  });

  it('has the commands a failover needs', () => {
    const all = leaves(buildProgram()).map((p) => p.join(' '));
    expect(all).toEqual(expect.arrayContaining(['item set-target', 'point list', 'plan add-action', 'plan remove-action', 'plan show']));
  });
});

describe('asr item set-target checks its flags before sending', () => {
  const nics = ['front', 'back'];
  it('names the flag of a bad value', () => {
    expect(() => targetUpdateOf({ ip: '10.0.0.300' }, nics)).toThrow(/--ip '10.0.0.300' is not an IPv4 address/);
    expect(() => targetUpdateOf({ network: 'bad/net' }, nics)).toThrow(/--network 'bad\/net' must be a virtual network's ARM id/);
    expect(() => targetUpdateOf({ size: 'Standard D2' }, nics)).toThrow(/--size 'Standard D2' is not an Azure VM size/);
    expect(() => targetUpdateOf({ name: '-x' }, nics)).toThrow(/--name '-x' must be 1-64/);
    expect(() => targetUpdateOf({ nic: 'side', ip: '10.0.0.4' }, nics)).toThrow("--nic 'side': the item has NICs front, back");
    expect(() => targetUpdateOf({}, nics)).toThrow(/needs at least one of/);
    expect(() => targetUpdateOf({ nic: 'front', size: 'Standard_B2s' }, nics)).toThrow(/--nic needs --network, --subnet or --ip/);
  });

  it('sends a NIC change as that NIC\'s primary IP configuration, an item-wide change as ASR\'s selected fields', () => {
    expect(targetUpdateOf({ nic: 'back', network: 'dr-vnet', subnet: 'db', ip: '10.1.0.5' }, nics)).toEqual({ properties: {
      vmNics: [{ nicId: 'back', ipConfigs: [{ isPrimary: true, recoveryVMNetworkId: 'dr-vnet', recoverySubnetName: 'db', recoveryStaticIPAddress: '10.1.0.5' }] }],
    } });
    expect(targetUpdateOf({ network: 'dr-vnet', size: 'Standard_D2s_v3', name: 'web-dr' }, nics)).toEqual({ properties: {
      selectedRecoveryAzureNetworkId: 'dr-vnet', recoveryAzureVMSize: 'Standard_D2s_v3', recoveryAzureVMName: 'web-dr',
    } });
  });
});

describe('asr plan add-action builds ASR\'s RecoveryPlanAction', () => {
  const base: AddActionOptions = { group: '1', after: true, fabricLocation: 'recovery', failoverTypes: 'test,planned,unplanned', directions: 'primary-to-recovery' };
  it('a manual action and a runbook, with failover types and directions by short or ASR name', () => {
    expect(actionOf('verify', { ...base, manual: 'Check the shop' })).toEqual({
      actionName: 'verify', failoverTypes: ['TestFailover', 'PlannedFailover', 'UnplannedFailover'], failoverDirections: ['PrimaryToRecovery'],
      customDetails: { instanceType: 'ManualActionDetails', description: 'Check the shop' },
    });
    expect(actionOf('fw', { ...base, runbook: '/runbooks/open-firewall', fabricLocation: 'primary', timeout: 'PT10M', failoverTypes: 'TestFailover', directions: 'primary-to-recovery,recovery-to-primary' })).toEqual({
      actionName: 'fw', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery', 'RecoveryToPrimary'],
      customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId: '/runbooks/open-firewall', fabricLocation: 'Primary', timeout: 'PT10M' },
    });
  });

  it('refuses what the service would refuse, naming the flag', () => {
    expect(() => actionOf('x', { ...base })).toThrow('give exactly one of --runbook <id> and --manual <instructions>');
    expect(() => actionOf('x', { ...base, runbook: 'https://hook' })).toThrow(/--runbook 'https:\/\/hook' must be the runbook's ARM id or name/);
    expect(() => actionOf('x', { ...base, manual: 'm', failoverTypes: 'test,drill' })).toThrow("--failover-types: 'drill' is not one of");
    expect(() => actionOf('x', { ...base, manual: 'm', directions: 'sideways' })).toThrow("--directions: 'sideways' is not one of primary-to-recovery, recovery-to-primary");
    expect(() => actionOf('x', { ...base, runbook: 'rb', timeout: '10m' })).toThrow('--timeout 10m: an ISO 8601 duration such as PT10M');
  });

  it('--group is a boot group number, shutdown or failover', () => {
    const g = (groupType: string): PlanGroup => ({ groupType, replicationProtectedItems: [] });
    const groups = [g('Shutdown'), g('Failover'), g('Boot'), g('Boot')];
    expect([groupIndexOf(groups, '1'), groupIndexOf(groups, '2'), groupIndexOf(groups, 'shutdown'), groupIndexOf(groups, 'Failover')]).toEqual([2, 3, 0, 1]);
    expect(() => groupIndexOf(groups, '3')).toThrow('--group 3: the plan has boot groups 1-2, shutdown and failover');
  });
});
