import type { ContainerClient } from '@azure/storage-blob';
import { RestError } from '@azure/storage-blob';
import { FabricError } from './FabricError';
import { MachineRef } from './MachineRef';
import { MachineNicSpec } from './MachineSpec';
import { readBlobText } from './readBlobText';

/** Container of the local fabric's static IP leases: `{network}/{subnet}/{ip}` -> the owning machine. */
export const IP_LEASE_CONTAINER = 'fabric-ip-leases';

/**
 * Static IPs of local machines, one blob per address in a network, created with
 * `If-None-Match: *`: two machines never hold the same static IP in the same network, as Azure
 * would refuse. A lease whose owner no longer exists (a crash between delete steps) is taken over.
 */
export class LocalIpLeases {
  constructor(private readonly container: ContainerClient, private readonly machineExists: (ref: MachineRef) => Promise<boolean>) {}

  /** Claims every static IP of `nics` for `owner`; idempotent for the same owner. */
  async claim(owner: MachineRef, nics: MachineNicSpec[]): Promise<void> {
    for (const nic of nics) {
      if (nic.staticIp) await this.claimOne(owner, nic);
    }
  }

  /** Releases the leases of `nics` that `owner` holds; others' leases are left alone. */
  async release(owner: MachineRef, nics: MachineNicSpec[]): Promise<void> {
    for (const nic of nics) {
      if (!nic.staticIp) continue;
      const blob = this.blob(nic);
      const held = await this.read(blob);
      if (held && sameOwner(held.owner, owner)) await blob.deleteIfExists({ conditions: { ifMatch: held.etag } });
    }
  }

  private async claimOne(owner: MachineRef, nic: MachineNicSpec): Promise<void> {
    const blob = this.blob(nic);
    const body = JSON.stringify({ resourceGroup: owner.resourceGroup, name: owner.name });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await blob.upload(body, Buffer.byteLength(body), { conditions: { ifNoneMatch: '*' } });
        return;
      } catch (e) {
        if (!(e instanceof RestError && (e.statusCode === 409 || e.statusCode === 412))) throw e;
      }
      const held = await this.read(blob);
      if (!held) continue; // released meanwhile: try again
      if (sameOwner(held.owner, owner)) return;
      if (!(await this.machineExists(held.owner))) {
        await blob.deleteIfExists({ conditions: { ifMatch: held.etag } });
        continue;
      }
      throw new FabricError('IpAddressInUse', `static IP ${nic.staticIp} in ${nic.network}/${nic.subnet} is held by machine ${held.owner.resourceGroup}/${held.owner.name}`, {
        possibleCauses: 'Two protected items map to the same target IP, or an earlier failover\'s machine still runs in the same network.',
        recommendedAction: 'Give each item its own target IP, or clean up the earlier (test) failover first.',
        details: { ip: nic.staticIp, heldBy: held.owner },
      });
    }
    throw new FabricError('IpAddressInUse', `static IP ${nic.staticIp} is changing hands; try again`, { retryable: true });
  }

  private blob(nic: MachineNicSpec) {
    return this.container.getBlockBlobClient(`${encodeURIComponent(nic.network.toLowerCase())}/${encodeURIComponent(nic.subnet.toLowerCase())}/${nic.staticIp}`);
  }

  private async read(blob: ReturnType<LocalIpLeases['blob']>): Promise<{ owner: MachineRef; etag: string } | undefined> {
    const found = await readBlobText(blob);
    return found && { owner: JSON.parse(found.text) as MachineRef, etag: found.etag };
  }
}

function sameOwner(a: MachineRef, b: MachineRef): boolean {
  return a.resourceGroup === b.resourceGroup && a.name === b.name;
}
