/**
 * The parts of @vercel/cosmosdb-server's in-memory account that the journal touches. The
 * package ships typings whose members are public but loosely typed; these narrow views say
 * exactly what we rely on, so an upgrade that changes them fails loudly in one place.
 */
export interface CosmosResource {
  id: string;
  _rid: string;
  body?: string;
  [key: string]: unknown;
}

export interface CosmosItem {
  read(): CosmosResource | undefined;
  collections?: CosmosItems;
  documents?: CosmosItems;
  userDefinedFunctions?: CosmosItems & { functions: Record<string, unknown> };
}

export interface CosmosItems {
  _data: Map<string, CosmosItem>;
  _ridCount: number;
  _set(data: CosmosResource): CosmosResource;
  delete(idOrRid: string, partition?: unknown): void;
  _item(keyPath: string, idOrRid: string, partition: unknown): CosmosItem;
}

export interface CosmosAccount {
  databases: CosmosItems;
  read(): Record<string, unknown> & { writableLocations: { databaseAccountEndpoint: string }[];
    readableLocations: { databaseAccountEndpoint: string }[] };
  database(id: string): CosmosItem;
}

type RouteHandler = (account: CosmosAccount, req: unknown, res: unknown, params: Record<string, string>)
  => unknown;

/* eslint-disable @typescript-eslint/no-require-imports */
export const ItemsClass: { prototype: CosmosItems } =
  require('@vercel/cosmosdb-server/lib/account/items').default;
export const AccountClass: new (host: string, port: number) => CosmosAccount =
  require('@vercel/cosmosdb-server/lib/account').default;
export const matchRoute: (req: unknown) => [Record<string, string>, RouteHandler] | undefined =
  require('@vercel/cosmosdb-server/lib/routes').default;
