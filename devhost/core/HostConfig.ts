import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostStartupError } from './HostStartupError';

/** The parts of host.json the local host honours. */
export interface HostConfig {
  routePrefix: string;
  maxDequeueCount: number;
  /** Queue polling: the longest pause between polls of an empty queue. */
  maxPollingIntervalMs: number;
  visibilityTimeoutMs: number;
  functionTimeoutMs?: number;
  durableTask: {
    hubName: string;
    maxConcurrentActivityFunctions: number;
    maxConcurrentOrchestratorFunctions: number;
  };
  /** The raw document, for extensions that read more of it. */
  raw: Record<string, unknown>;
}

/** Parses `hh:mm:ss` or `d.hh:mm:ss` (the TimeSpan form host.json uses) into milliseconds. */
export function parseTimeSpan(value: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new HostStartupError(`"${value}" is not a time span; write it as hh:mm:ss or d.hh:mm:ss.`);
  const [, d, h, min, s, frac] = m;
  return ((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60000 + Number(s) * 1000 +
    (frac ? Math.round(Number(`0.${frac}`) * 1000) : 0);
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new HostStartupError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The Durable storage providers funclocal implements (compared case-insensitively). */
const SUPPORTED_DURABLE_PROVIDERS = ['AzureStorage'];

/**
 * Reads `<appDir>/host.json` (required, as in Azure) and applies the defaults Azure applies.
 * `%Name%` in any string value is replaced by the app setting `Name` from `settings` (the
 * environment after local.settings.json), as the host resolves `hubName: "%TASKHUB_NAME%"`;
 * a setting that is not defined is a startup error naming it and where it is used.
 */
export function loadHostConfig(appDir: string, settings: NodeJS.ProcessEnv): HostConfig {
  if (!existsSync(appDir)) throw new HostStartupError(`App folder ${appDir} does not exist: pass --app <folder of the Functions app>.`);
  const path = join(appDir, 'host.json');
  if (!existsSync(path)) throw new HostStartupError(`${appDir} has no host.json: a Functions app needs one at its root.`);
  const raw = resolveHostJsonSettings(readJson(path), settings, 'host.json') as Record<string, unknown>;
  const ext = (raw.extensions ?? {}) as Record<string, Record<string, unknown>>;
  const http = ext.http ?? {};
  const queues = ext.queues ?? {};
  const durable = ext.durableTask ?? {};
  checkDurableStorageProvider(durable.storageProvider);
  return {
    routePrefix: typeof http.routePrefix === 'string' ? http.routePrefix.replace(/^\/+|\/+$/g, '') : 'api',
    maxDequeueCount: typeof queues.maxDequeueCount === 'number' ? queues.maxDequeueCount : 5,
    maxPollingIntervalMs: typeof queues.maxPollingInterval === 'string' ? parseTimeSpan(queues.maxPollingInterval)
      : typeof queues.maxPollingInterval === 'number' ? queues.maxPollingInterval : 2000,
    visibilityTimeoutMs: typeof queues.visibilityTimeout === 'string' ? parseTimeSpan(queues.visibilityTimeout) : 0,
    functionTimeoutMs: typeof raw.functionTimeout === 'string' ? parseTimeSpan(raw.functionTimeout) : undefined,
    durableTask: {
      hubName: typeof durable.hubName === 'string' ? durable.hubName : 'TestHubName',
      maxConcurrentActivityFunctions: typeof durable.maxConcurrentActivityFunctions === 'number'
        ? durable.maxConcurrentActivityFunctions : 10,
      maxConcurrentOrchestratorFunctions: typeof durable.maxConcurrentOrchestratorFunctions === 'number'
        ? durable.maxConcurrentOrchestratorFunctions : 10,
    },
    raw,
  };
}

/** Resolves `%Name%` in every string of a host.json value; `where` is its dotted path. */
function resolveHostJsonSettings(value: unknown, settings: NodeJS.ProcessEnv, where: string): unknown {
  if (typeof value === 'string') return resolveSettingExpressions(value, settings, where);
  if (Array.isArray(value)) return value.map((v, i) => resolveHostJsonSettings(v, settings, `${where}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveHostJsonSettings(v, settings, where === 'host.json' ? `host.json ${k}` : `${where}.${k}`)]));
  }
  return value;
}

/**
 * The extension picks its backend by `storageProvider.type` (AzureStorage when absent; also
 * mssql, netherite, azureManaged). funclocal implements only Azure Storage, so any other type
 * would silently run on a different backend than the app asked for: refuse it by name.
 */
function checkDurableStorageProvider(storageProvider: unknown): void {
  if (storageProvider === undefined || storageProvider === null) return;
  const type = (storageProvider as Record<string, unknown>).type;
  if (type === undefined) return;
  if (typeof type === 'string' && SUPPORTED_DURABLE_PROVIDERS.some((t) => t.toLowerCase() === type.toLowerCase())) return;
  throw new HostStartupError(`host.json extensions.durableTask.storageProvider.type is ${JSON.stringify(type)}, which funclocal does not support: ` +
    `funclocal runs Durable Functions on Azure Storage only (type "AzureStorage", or no type). Remove the type (or set "AzureStorage") to run this app locally.`);
}

/**
 * Reads `<appDir>/local.settings.json` Values (optional). Values already in the environment
 * win, as with Core Tools, so CI and tests can override a checked-in file.
 */
export function loadLocalSettings(appDir: string): Record<string, string> {
  const path = join(appDir, 'local.settings.json');
  if (!existsSync(path)) return {};
  const values = (readJson(path).Values ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) out[k] = String(v);
  return out;
}

/**
 * Replaces `%Name%` in a binding property with the app setting `Name`, as the Functions host
 * does for binding expressions. A missing setting is a startup error naming it.
 */
export function resolveSettingExpressions(value: string, settings: NodeJS.ProcessEnv, where: string): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const v = settings[name];
    if (v === undefined) throw new HostStartupError(`${where} uses %${name}%, but no app setting "${name}" is defined (local.settings.json Values or the environment).`);
    return v;
  });
}
