export * from './merkleHash';
export * from './diskBlocks';
export * from './MerkleAccumulator';
export * from './MerkleTree';
export * from './digestOfStream';
export * from './digestOfBuffer';
export * from './failbackDigest';
