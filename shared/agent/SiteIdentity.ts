import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ServiceError } from '../errors';

/** A registered site's identity as the agent keeps it: `{stateDir}/{vault}/site.json`, 0600. */
export const SiteIdentitySchema = z.object({
  version: z.literal(1),
  endpoint: z.string(),
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  vault: z.string(),
  siteId: z.string(),
  siteSecret: z.string(),
  registeredAt: z.string(),
});
export type SiteIdentity = z.infer<typeof SiteIdentitySchema>;

/** A registration key file (`asr site register-key --out`): where to register and the single-use key. */
export const RegistrationKeyFileSchema = z.object({
  endpoint: z.string(),
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  vault: z.string(),
  registrationKey: z.string(),
  expiresAt: z.string(),
});
export type RegistrationKeyFile = z.infer<typeof RegistrationKeyFileSchema>;

export function siteIdentityPath(stateDir: string, vault: string): string {
  return join(stateDir, vault, 'site.json');
}

export async function loadSiteIdentity(stateDir: string, vault: string): Promise<SiteIdentity | undefined> {
  const path = siteIdentityPath(stateDir, vault);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = SiteIdentitySchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new ServiceError('AgentStateCorrupt', `${path} is not a site identity; remove it and register the site again`);
  return parsed.data;
}

/** Writes the identity owner-only (the directory 0700, the file 0600), atomically. */
export async function saveSiteIdentity(stateDir: string, identity: SiteIdentity): Promise<void> {
  const path = siteIdentityPath(stateDir, identity.vault);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  for (const d of [stateDir, dirname(path)]) await chmod(d, 0o700);
  const tmp = `${path}.tmp`;
  const f = await open(tmp, 'w', 0o600);
  try {
    await f.writeFile(JSON.stringify(identity, null, 2));
    await f.sync();
  } finally {
    await f.close();
  }
  await rename(tmp, path);
}

export async function readRegistrationKeyFile(file: string): Promise<RegistrationKeyFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ServiceError('InputNotFound', `cannot read the registration key file ${file} (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ServiceError('InvalidParameter', `${file} is not a registration key file (not JSON); create one with 'asr site register-key <vault> --out <file>'`);
  }
  const parsed = RegistrationKeyFileSchema.safeParse(json);
  if (!parsed.success) throw new ServiceError('InvalidParameter', `${file} is not a registration key file (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
  return parsed.data;
}
