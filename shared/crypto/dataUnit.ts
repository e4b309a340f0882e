/**
 * The data unit of replica logs, encryption and the disk digest: 4 KiB. Every record offset and
 * length is a multiple of it, one AES-XTS tweak covers one unit, one Merkle leaf hashes one unit.
 * @see docs/hrl-format.md
 */
export const DATA_UNIT_SIZE = 4096;
