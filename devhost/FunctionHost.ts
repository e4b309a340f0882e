import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { FunctionInvoker } from './core/FunctionInvoker';
import { FunctionRegistration } from './core/FunctionRegistration';
import { FunctionsCoreApi } from './core/FunctionsCoreApi';
import { HostConfig, loadHostConfig, loadLocalSettings } from './core/HostConfig';
import { HostContext, TriggerKind } from './core/HostContext';
import { HostLogger } from './core/HostLogger';
import { HostStartupError } from './core/HostStartupError';
import { installFunctionsCore } from './core/installFunctionsCore';
import { loadApp } from './core/AppLoader';
import { HostHttpServer } from './http/HostHttpServer';
import { HttpTriggerKind } from './http/HttpTriggerKind';

export interface FunctionHostOptions {
  appDir: string;
  port: number;
  /** Storage the host and the app's triggers use (AzureWebJobsStorage when not given). */
  storageConnectionString?: string;
  logger: HostLogger;
  /** Extra trigger kinds beyond HTTP (blob, timer, queue, Durable...). */
  kinds: TriggerKind[];
  /** Settings applied before the app loads (after local.settings.json, before the environment). */
  settings?: Record<string, string>;
}

/**
 * Runs one Functions app: loads host.json and local.settings.json, answers the app's
 * `@azure/functions-core` require, loads the app, hands each registration to the trigger kind
 * that claims it, and serves HTTP. Nothing here is specific to our app.
 */
export class FunctionHost {
  readonly core: FunctionsCoreApi;
  readonly http: HostHttpServer;
  private readonly kinds: TriggerKind[];
  private started: TriggerKind[] = [];
  private context?: HostContext;

  constructor(private readonly options: FunctionHostOptions) {
    this.core = new FunctionsCoreApi(options.logger);
    this.http = new HostHttpServer(options.logger);
    this.kinds = [new HttpTriggerKind(), ...options.kinds];
  }

  get hostContext(): HostContext | undefined {
    return this.context;
  }

  async start(): Promise<HostContext> {
    const { logger } = this.options;
    const appDir = resolve(this.options.appDir);
    applySettings({ ...loadLocalSettings(appDir), ...(this.options.settings ?? {}) });
    // host.json may use %Setting% (e.g. hubName), so it is read once the settings are in place.
    const config: HostConfig = loadHostConfig(appDir, process.env);
    const storage = this.options.storageConnectionString ?? process.env.AzureWebJobsStorage;
    if (!storage) throw new HostStartupError('No storage: pass --storage <connection string> or set AzureWebJobsStorage.');
    process.env.AzureWebJobsStorage = storage;

    installFunctionsCore(this.core);
    await loadApp(appDir, this.core);
    const invoker = new FunctionInvoker(this.core, logger, config.functionTimeoutMs);
    const port = await this.http.listen(this.options.port);
    const baseUrl = this.http.baseUrl();
    process.env.WEBSITE_HOSTNAME ??= `localhost:${port}`;

    const context: HostContext = {
      appDir, config, settings: process.env, storageConnectionString: storage, logger, invoker,
      hostId: process.env.AzureFunctionsWebHost__hostid ?? createHash('sha256').update(appDir).digest('hex').slice(0, 32),
      mountHttp: (prefix, handler) => this.http.mount(prefix, handler),
      baseUrl: () => baseUrl,
      connectionString: (name) => resolveConnection(name, storage),
      httpStreamUri: this.core.capabilities.HttpUri,
    };
    this.context = context;

    const claimed = this.assignRegistrations(invoker);
    for (const [kind, fns] of claimed) {
      await kind.start(fns, context);
      this.started.push(kind);
    }
    const httpKind = this.kinds[0] as HttpTriggerKind;
    this.http.setFallback(httpKind.handle);
    logger.log('information', `Host started: ${this.core.registrations.size} function(s), listening on ${baseUrl}`);
    return context;
  }

  async stop(): Promise<void> {
    for (const kind of [...this.started].reverse()) {
      try { await kind.stop(); } catch (e) { this.options.logger.log('warning', `Stopping ${kind.name} failed: ${(e as Error).message}`); }
    }
    this.started = [];
    for (const hook of this.core.hooks.appTerminate) {
      try { await hook({ hookData: {}, appHookData: this.core.appHookData }); } catch { /* terminating anyway */ }
    }
    await this.http.close();
  }

  /** Groups registrations by the kind that fires them; refuses what no kind supports. */
  private assignRegistrations(invoker: FunctionInvoker): Map<TriggerKind, FunctionRegistration[]> {
    const byKind = new Map<TriggerKind, FunctionRegistration[]>(this.kinds.map((k) => [k, []]));
    const supportedBindings = new Set(this.kinds.flatMap((k) => [...(k.bindingTypes ?? [])]));
    for (const fn of this.core.registrations.values()) {
      const type = fn.trigger.binding.type.toLowerCase();
      const kind = this.kinds.find((k) => k.triggerTypes.includes(type));
      if (!kind) {
        throw new HostStartupError(`Function "${fn.name}" uses trigger type ${fn.trigger.binding.type}, which funclocal does not support (supported: ${this.kinds.flatMap((k) => k.triggerTypes).join(', ')}).`);
      }
      for (const [name, b] of Object.entries(fn.bindings)) {
        if (name === fn.trigger.name) continue;
        const t = b.type.toLowerCase();
        if (!supportedBindings.has(t) && !invoker.hasInputProvider(t)) {
          throw new HostStartupError(`Function "${fn.name}" uses a ${b.type} ${b.direction ?? ''} binding ("${name}"), which funclocal does not support.`);
        }
      }
      byKind.get(kind)!.push(fn);
    }
    for (const [k, fns] of byKind) if (fns.length === 0 && k.name !== 'http') byKind.delete(k);
    return byKind;
  }
}

function applySettings(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) if (process.env[k] === undefined) process.env[k] = v;
}

/** A binding's `connection` names an app setting; "UseDevelopmentStorage=true" means the host's storage. */
function resolveConnection(settingName: string | undefined, hostStorage: string): string {
  const name = settingName && settingName !== '' ? settingName : 'AzureWebJobsStorage';
  const value = process.env[name] ?? process.env[`${name}__connectionString`];
  if (!value || /UseDevelopmentStorage=true/i.test(value)) {
    if (name === 'AzureWebJobsStorage' || value) return hostStorage;
    throw new HostStartupError(`Connection "${name}" is not defined: add it to local.settings.json Values or the environment.`);
  }
  return value;
}
