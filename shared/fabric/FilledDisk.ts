import type { PageBlobClient } from '@azure/storage-blob';
import type { DiskAtPoint } from '../contracts/DiskAtPoint';
import type { DiskRef } from '../contracts/DiskRef';
import { azureVirtualSize } from '../disk';
import { fabricDiskName } from './FabricDiskLayout';
import { FabricTags, tagsToRecord } from './FabricTags';
import { MaterializedDisk } from './MaterializedDisk';

const FOOTER_BYTES = 512;

/** Where a disk goes in the target: which machine it is for, named after the source disk, and its tags. */
export interface FabricDiskTarget {
  /** The replicated (source) disk; names the target disk. */
  source: DiskRef;
  /** Where the machine that will own the disk lives. */
  resourceGroup: string;
  machineName: string;
  tags: FabricTags;
  /** The source VM's generation as a disk property (Azure `hyperVGeneration`): `V2` for UEFI (Gen 2) machines; default `V1`. */
  hyperVGeneration?: 'V1' | 'V2';
}

/**
 * A staging blob somebody filled with a fixed VHD and verified (recovery, with replication's
 * materialisation): where it goes and the state it holds, all the fabric needs to take it.
 */
export interface FilledDisk extends FabricDiskTarget, DiskAtPoint {}

/**
 * Tags a filled blob (the failover's tags and the digests, so cleanup and checks find them) and
 * describes it as a target disk, with the ETag the tagging left (the blob was verified just
 * before, by the activity that owns it). Running it twice writes the same metadata.
 */
export async function recordFilledDisk(blob: PageBlobClient, disk: FilledDisk): Promise<MaterializedDisk> {
  const tagged = await blob.setMetadata({ ...tagsToRecord(disk.tags), asrsourcedigest: disk.sourceDigest, asrexpecteddigest: disk.expectedDigest, asrsequence: disk.sequence });
  const { tags: _tags, hyperVGeneration: _generation, ...atPoint } = disk;
  return {
    ...atPoint, name: fabricDiskName(disk.machineName, disk.source), blobUrl: blob.url, sizeBytes: azureVirtualSize(disk.dataBytes) + FOOTER_BYTES,
    ...(tagged.etag ? { verifiedEtag: tagged.etag } : {}),
  };
}
