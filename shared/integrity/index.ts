export * from './merkleHash';
export * from './MerkleAccumulator';
export * from './MerkleTree';
export * from './digestOfStream';
export * from './digestOfBuffer';
