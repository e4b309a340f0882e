import type { BlobServiceClient } from '@azure/storage-blob';

/** One listing a client made: the container, flat or by hierarchy, its prefix, and how many entries it returned. */
export interface CountedListing {
  container: string;
  kind: 'flat' | 'hierarchy';
  prefix?: string;
  items: number;
}

/**
 * The same blob service, recording every listing (flat or by hierarchy) of every container it
 * hands out: to show that work is proportional to what changed, not to what a container holds.
 */
export function countingBlobs(real: BlobServiceClient): { blobs: BlobServiceClient; listings: CountedListing[] } {
  const listings: CountedListing[] = [];
  const counted = <T>(entry: CountedListing, inner: AsyncIterable<T>): AsyncIterable<T> => (async function* count() {
    for await (const b of inner) {
      entry.items++;
      yield b;
    }
  })();
  const blobs = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== 'getContainerClient') return Reflect.get(target, prop, receiver);
      return (name: string) => new Proxy(target.getContainerClient(name), {
        get(c, p, r) {
          if (p === 'listBlobsFlat') {
            return (options?: { prefix?: string }) => {
              const entry: CountedListing = { container: name, kind: 'flat', prefix: options?.prefix, items: 0 };
              listings.push(entry);
              return counted(entry, c.listBlobsFlat(options));
            };
          }
          if (p === 'listBlobsByHierarchy') {
            return (delimiter: string, options?: { prefix?: string }) => {
              const entry: CountedListing = { container: name, kind: 'hierarchy', prefix: options?.prefix, items: 0 };
              listings.push(entry);
              return counted(entry, c.listBlobsByHierarchy(delimiter, options));
            };
          }
          return Reflect.get(c, p, r);
        },
      });
    },
  });
  return { blobs, listings };
}
