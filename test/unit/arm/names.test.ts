import { blobPath, isPathSegment, nameProblem, resourceGroupNameSchema, resourceNameSchema, runbookIdSchema, subnetRefSchema, subscriptionIdSchema, vaultNameSchema, virtualNetworkRefSchema } from '../../../shared/naming';
import { fabricDiskBlob, machineRecordBlob } from '../../../shared/fabric/FabricDiskLayout';
import { diskPrefix, journalBlob, pendingLogBlob, quarantineBlob, replicaBlob } from '../../../shared/replication';
import { shutdownRequestBlob } from '../../../shared/contracts/SourceShutdownRequests';

describe('naming rules (shared/naming)', () => {
  it.each([
    [vaultNameSchema, ['v1', 'demo-vault', 'A'.repeat(50)], ['a', 'a/b', 'a|b', '1vault', 'a~b', 'a.b', 'A'.repeat(51)]],
    [resourceGroupNameSchema, ['local', 'dr-rg', 'rg_(1).x'], ['', 'rg.', 'dr rg', 'a/b', 'a|b', 'a~b', 'x'.repeat(91)]],
    [resourceNameSchema, ['web01', 'disk0', 'p-1.b_2', 'x'.repeat(128)], ['', '../web01/disk0', 'a/b', 'a|b', 'a~b', '.hidden', 'a.', '-a', 'x'.repeat(129), 'é']],
    [subscriptionIdSchema, ['00000000-0000-0000-0000-000000000000'], ['s1', '00000000-0000-0000-0000-00000000000g']],
    [runbookIdSchema, ['/runbooks/open-firewall', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa/runbooks/Open_FW'], ['https://hook/x?token=s', 'a b', '/r#x', '/r?sig=1']],
  ])('accepts the good names and refuses the bad ones (%#)', (schema, good, bad) => {
    for (const n of good) expect([n, nameProblem(schema, n)]).toEqual([n, undefined]);
    for (const n of bad) expect([n, typeof nameProblem(schema, n)]).toEqual([n, 'string']);
  });
});

describe('storage paths are built only from valid segments', () => {
  const good = { vault: '00000000-0000-0000-0000-000000000000~local~v1', item: 'web01', disk: 'disk0' };

  it('builds the layouts from good names unchanged', () => {
    expect(replicaBlob(good)).toBe('00000000-0000-0000-0000-000000000000~local~v1/web01/disk0.vhd');
    expect(pendingLogBlob(good, 3n)).toBe(`${diskPrefix(good)}00000000000000000003.hrl`);
    expect(fabricDiskBlob('rg_(1)', 'web01-dr', good)).toBe('rg_(1)/web01-dr/disk0.vhd');
    expect(blobPath(['a', 'b'], '/')).toBe('a/b/');
  });

  it.each([
    ['a disk id that climbs to another item', '../web01/disk0'],
    ['a slash', 'a/b'],
    ['..', '..'],
    ['an empty name', ''],
    ['a backslash', 'a\\b'],
    ['a percent-encoded slash', 'a%2Fb'],
    ['a trailing dot', 'disk0.'],
  ])('refuses %s in every path builder, in every position', (_what, bad) => {
    const builders = [
      () => replicaBlob({ ...good, disk: bad }), () => replicaBlob({ ...good, item: bad }), () => replicaBlob({ ...good, vault: bad }),
      () => pendingLogBlob({ ...good, disk: bad }, 1n), () => journalBlob({ ...good, item: bad }, 1n, 1n), () => diskPrefix({ ...good, disk: bad }),
      () => quarantineBlob({ ...good, disk: bad }, '1.hrl', new Date(0)),
      () => fabricDiskBlob('rg', 'm', { ...good, disk: bad }), () => fabricDiskBlob(bad, 'm', good), () => fabricDiskBlob('rg', bad, good),
      () => machineRecordBlob('rg', bad), () => shutdownRequestBlob(good.vault, bad),
    ];
    for (const build of builders) expect(build).toThrow(expect.objectContaining({ code: 'InvalidPathSegment' }));
  });

  it('tells a path segment from anything that could split or climb a path', () => {
    expect(['disk0', 'a~b~c', 'rg_(1)', '00000000000000000042.hrl'].every(isPathSegment)).toBe(true);
    expect(['', '.', '..', 'a/b', 'a\\b', 'a%2F', 'a.', 'a b', 'a\nb'].some(isPathSegment)).toBe(false);
  });

  it('target networks and subnets: an ARM id of the right kind or a bare Azure name, nothing that could bend an ARM path', () => {
    const vnet = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/prod';
    const ok = (schema: typeof virtualNetworkRefSchema, v: string) => nameProblem(schema, v) === undefined;
    expect([vnet, 'prod-vnet', 'test_vnet_'].every((v) => ok(virtualNetworkRefSchema, v))).toBe(true);
    expect([`${vnet}?x=1`, `${vnet}/subnets/a`, 'v', 'a/b', '..', 'vnet.', '/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v']
      .some((v) => ok(virtualNetworkRefSchema, v))).toBe(false);
    expect([`${vnet}/subnets/app`, `${vnet}/SUBNETS/app_`, 'default', 'a'].every((v) => ok(subnetRefSchema, v))).toBe(true);
    expect([`${vnet}/subnets/a/b`, `${vnet}/subnets/`, 'prod/subnets/app', 'app#x', '-app', 'app.'].some((v) => ok(subnetRefSchema, v))).toBe(false);
  });
});
