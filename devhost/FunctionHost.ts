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
import { STORAGE_BINDING_TYPES, StorageBindings } from './bindings/StorageBindings';
import { queueMessageEncodingOf } from './triggers/queueMessageEncoding';
import { ServiceBusBindings } from './bindings/ServiceBusBindings';
import { serviceBusConnectionString } from './bindings/serviceBusConnection';

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
  /** Functions that cannot run here, with why: the rest of the app runs, as in Azure. */
  readonly inError = new Map<string, string>();

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
    invoker.useBindings(new StorageBindings({ connectionString: context.connectionString, settings: process.env, queueEncoding: queueMessageEncodingOf(config) }));
    invoker.useBindings(new ServiceBusBindings(process.env));

    const claimed = this.assignRegistrations(invoker);
    for (const [kind, fns] of claimed) {
      try {
        await kind.start(fns, context);
        this.started.push(kind);
      } catch (e) {
        // A listener that cannot start takes only its own functions down, as in Azure.
        if (kind.name === 'http') throw e;
        for (const fn of fns) this.putInError(fn, `its ${kind.name} trigger could not be set up: ${(e as Error).message}`);
      }
    }
    const httpKind = this.kinds[0] as HttpTriggerKind;
    this.http.setFallback(httpKind.handle);
    const inError = this.inError.size > 0 ? ` (${this.inError.size} in error)` : '';
    logger.log('information', `Host started: ${this.core.registrations.size} function(s)${inError}, listening on ${baseUrl}`);
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

  /**
   * Groups registrations by the kind that fires them. A function whose trigger or bindings
   * funclocal cannot serve is put in error alone (logged, its HTTP route answers why), as the
   * Functions host does with a binding whose extension is missing; the rest of the app starts.
   */
  private assignRegistrations(invoker: FunctionInvoker): Map<TriggerKind, FunctionRegistration[]> {
    const byKind = new Map<TriggerKind, FunctionRegistration[]>(this.kinds.map((k) => [k, []]));
    const httpKind = this.kinds[0] as HttpTriggerKind;
    for (const fn of this.core.registrations.values()) {
      const kind = this.kinds.find((k) => k.triggerTypes.includes(fn.trigger.binding.type.toLowerCase()));
      const problem = this.unsupported(fn, kind, invoker);
      if (problem) {
        this.putInError(fn, problem, kind === httpKind ? httpKind : undefined);
        continue;
      }
      byKind.get(kind!)!.push(fn);
    }
    for (const [k, fns] of byKind) if (fns.length === 0 && k.name !== 'http') byKind.delete(k);
    return byKind;
  }

  /** Logs one line saying why the function will not run; its HTTP route (if any) answers the same. */
  private putInError(fn: FunctionRegistration, problem: string, httpKind?: HttpTriggerKind): void {
    const message = `Function "${fn.name}" is in error and will not run: ${problem}`;
    this.inError.set(fn.name, message);
    this.options.logger.log('error', message, { functionName: fn.name });
    httpKind?.addFunctionInError(fn, message);
  }

  /** Why funclocal cannot run this function (undefined when it can). */
  private unsupported(fn: FunctionRegistration, kind: TriggerKind | undefined, invoker: FunctionInvoker): string | undefined {
    for (const b of Object.values(fn.bindings)) {
      if (b.type.toLowerCase() !== 'servicebus') continue;
      try { serviceBusConnectionString(b, process.env, 'Service Bus output binding'); } catch (e) { return (e as Error).message; }
    }
    if (!kind) {
      return `its trigger type ${fn.trigger.binding.type} is not supported by funclocal (supported: ${this.kinds.flatMap((k) => k.triggerTypes).join(', ')}); it needs a service that has no local emulator here.`;
    }
    const bindingTypes = new Set(this.kinds.flatMap((k) => [...(k.bindingTypes ?? [])]));
    for (const [name, b] of Object.entries(fn.bindings)) {
      if (name === fn.trigger.name) continue;
      const t = b.type.toLowerCase();
      if (!bindingTypes.has(t) && !invoker.supportsBinding(t)) {
        return `its ${b.direction ?? ''} binding "${name}" has type ${b.type}, which funclocal does not support (supported bindings: ${[...bindingTypes, ...STORAGE_BINDING_TYPES].join(', ')}).`;
      }
      if (STORAGE_BINDING_TYPES.includes(t)) {
        try { this.context!.connectionString(b.connection as string | undefined); } catch (e) { return `binding "${name}": ${(e as Error).message}`; }
      }
    }
    try {
      kind.check?.(fn, this.context!);
    } catch (e) {
      // The kinds name the function themselves ("Function "x" has ..."); say it once.
      return (e as Error).message.replace(`Function "${fn.name}": `, 'its trigger: ').replace(`Function "${fn.name}" `, 'it ');
    }
    return undefined;
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
