import { BindingDefinition, FunctionRegistration, RetryOptions } from './FunctionRegistration';
import { HostLogger, toLogLevel } from './HostLogger';

/** Disposable as the worker's core API defines it (the library calls `new coreApi.Disposable`). */
export class Disposable {
  static from(...items: Array<{ dispose(): unknown } | undefined>): Disposable {
    return new Disposable(() => items.forEach((i) => i?.dispose()));
  }
  #callback?: () => unknown;
  constructor(callback: () => unknown) { this.#callback = callback; }
  dispose(): void {
    const cb = this.#callback;
    this.#callback = undefined;
    cb?.();
  }
}

export type HookName = 'preInvocation' | 'postInvocation' | 'appStart' | 'appTerminate' | 'log';
export type HookCallback = (context: Record<string, unknown>) => unknown;

/** The programming model object that `@azure/functions` hands to `setProgrammingModel`. */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: unknown): InvocationModel;
  getCapabilities(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], callback: (...args: unknown[]) => unknown): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: unknown; outputData?: Array<{ name: string; data: unknown }> }>;
}

const KNOWN_HOOKS: ReadonlySet<string> = new Set(['preInvocation', 'postInvocation', 'appStart', 'appTerminate', 'log']);

/**
 * The host's answer to `require('@azure/functions-core')`: the object through which the app's
 * copy of @azure/functions registers functions, hooks and its programming model, exactly as it
 * does with the real Node worker.
 * @see DEVHOST.md §1
 */
export class FunctionsCoreApi {
  readonly version = '3.10.1';
  readonly hostVersion = '4.1037.0';
  readonly Disposable = Disposable;
  readonly registrations = new Map<string, FunctionRegistration>();
  readonly hooks: Record<HookName, HookCallback[]> = {
    preInvocation: [], postInvocation: [], appStart: [], appTerminate: [], log: [],
  };
  programmingModel?: ProgrammingModel;
  /**
   * What the programming model answered to getCapabilities at load; `HttpUri` there means the
   * app enabled HTTP streams (`app.setup({ enableHttpStream: true })`) and serves a proxy.
   */
  capabilities: Readonly<Record<string, string>> = {};
  /** Shared by every hook for the app's lifetime, as the worker does. */
  readonly appHookData: Record<string, unknown> = {};

  constructor(private readonly logger: HostLogger) {}

  registerFunction = (
    metadata: { name: string; bindings: Record<string, BindingDefinition>; retryOptions?: RetryOptions },
    callback: (...args: unknown[]) => unknown,
  ): Disposable => {
    const name = metadata.name;
    if (!name) throw new Error('A function was registered without a name.');
    if (this.registrations.has(name.toLowerCase())) {
      throw new Error(`A function named "${name}" is already registered: function names must be unique.`);
    }
    const trigger = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(b.type));
    if (!trigger) throw new Error(`Function "${name}" has no trigger binding.`);
    this.registrations.set(name.toLowerCase(), {
      name,
      functionId: name,
      bindings: metadata.bindings,
      trigger: { name: trigger[0], binding: trigger[1] },
      retryOptions: metadata.retryOptions,
      callback,
    });
    return new Disposable(() => this.registrations.delete(name.toLowerCase()));
  };

  setProgrammingModel = (model: ProgrammingModel): void => {
    this.programmingModel = model;
  };

  getProgrammingModel = (): ProgrammingModel | undefined => this.programmingModel;

  registerHook = (hookName: string, callback: HookCallback): Disposable => {
    if (!KNOWN_HOOKS.has(hookName)) throw new Error(`Unknown hook "${hookName}".`);
    const list = this.hooks[hookName as HookName];
    list.push(callback);
    return new Disposable(() => {
      const i = list.indexOf(callback);
      if (i >= 0) list.splice(i, 1);
    });
  };

  /** System and user logs from the library; its presence is app.setup's host-version check. */
  log = (level: string, category: string, message: string): void => {
    this.logger.log(toLogLevel(level), category === 'system' ? `(system) ${message}` : message);
  };
}
