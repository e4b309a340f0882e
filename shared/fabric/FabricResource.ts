import { FabricTags } from './FabricTags';

/** Something a failover created in the target, found by its tags (for cleanup and `list`). */
export interface FabricResource {
  kind: 'machine' | 'disk' | 'nic';
  resourceGroup: string;
  name: string;
  /** The machine the resource belongs to. */
  machineName: string;
  /** ARM id or blob URL. */
  id: string;
  tags: FabricTags;
}

/** What `cleanup` removed. */
export interface FabricCleanupResult {
  deleted: FabricResource[];
}
