import { randomUUID } from 'node:crypto';
import { FunctionsCoreApi } from './FunctionsCoreApi';
import { FunctionRegistration } from './FunctionRegistration';
import { HostLogger, toLogLevel } from './HostLogger';
import { TypedData } from './TypedData';

/** What a trigger hands the invoker: its own data and metadata, in worker-protocol shape. */
export interface InvocationRequest {
  /** Data of the trigger binding (and of any input the trigger itself supplies). */
  inputData: Array<{ name: string; data: TypedData }>;
  triggerMetadata?: Record<string, TypedData>;
  retryContext?: { retryCount: number; maxRetryCount: number; exception?: { message?: string } };
}

/** The programming model's answer: the return value and output bindings as TypedData. */
export interface InvocationResponse {
  returnValue?: TypedData;
  outputData: Array<{ name: string; data: TypedData }>;
}

/** Supplies the data of a non-trigger input binding (e.g. `durableClient`) per invocation. */
export type InputBindingProvider = (fn: FunctionRegistration, bindingName: string) => TypedData;

/** The function ran longer than host.json `functionTimeout`. */
export class FunctionTimeoutError extends Error {
  constructor(name: string, ms: number) {
    super(`Function "${name}" timed out after ${ms} ms (host.json functionTimeout).`);
    this.name = 'FunctionTimeoutError';
  }
}

/**
 * Runs one invocation the way the Node worker does: through the app's programming model,
 * never by calling the handler directly, with pre/post invocation hooks.
 * @see DEVHOST.md §2
 */
export class FunctionInvoker {
  private readonly inputProviders = new Map<string, InputBindingProvider>();

  constructor(
    private readonly core: FunctionsCoreApi,
    private readonly logger: HostLogger,
    private readonly functionTimeoutMs?: number,
  ) {}

  /** Registers who fills input bindings of `bindingType` (lower-cased match). */
  provideInput(bindingType: string, provider: InputBindingProvider): void {
    this.inputProviders.set(bindingType.toLowerCase(), provider);
  }

  hasInputProvider(bindingType: string): boolean {
    return this.inputProviders.has(bindingType.toLowerCase());
  }

  async invoke(fn: FunctionRegistration, request: InvocationRequest, invocationId = randomUUID()): Promise<InvocationResponse> {
    const pm = this.core.programmingModel;
    if (!pm) throw new Error('The app registered no programming model.');
    const inputData = [...request.inputData];
    for (const [name, binding] of Object.entries(fn.bindings)) {
      if (binding.direction !== 'in' || name === fn.trigger.name || inputData.some((i) => i.name === name)) continue;
      const provider = this.inputProviders.get(binding.type.toLowerCase());
      if (provider) inputData.push({ name, data: provider(fn, name) });
    }
    const scope = { functionName: fn.name, invocationId };
    const log = (level: string, category: string, message: string) =>
      this.logger.log(toLogLevel(level), category === 'system' ? `(system) ${message}` : message, scope);
    const coreContext = {
      invocationId,
      request: { invocationId, functionId: fn.functionId, inputData, triggerMetadata: request.triggerMetadata ?? {}, retryContext: request.retryContext },
      metadata: { name: fn.name, bindings: fn.bindings },
      log,
      state: undefined as string | undefined,
    };
    const model = pm.getInvocationModel(coreContext);
    const started = Date.now();
    this.logger.log('debug', `Executing (${fn.trigger.binding.type})`, scope);

    let { context, inputs } = await model.getArguments();
    const hookData: Record<string, unknown> = {};
    let callback = fn.callback;
    for (const hook of this.core.hooks.preInvocation) {
      const hookContext = { hookData, appHookData: this.core.appHookData, invocationContext: context, functionCallback: callback, inputs };
      coreContext.state = 'preInvocationHooks';
      await hook(hookContext);
      inputs = hookContext.inputs as unknown[];
      callback = hookContext.functionCallback as typeof callback;
    }
    coreContext.state = 'invocation';
    let result: unknown;
    let error: unknown;
    try {
      result = await this.withTimeout(fn.name, model.invokeFunction(context, inputs, callback));
    } catch (e) {
      error = e;
    }
    coreContext.state = 'postInvocationHooks';
    for (const hook of this.core.hooks.postInvocation) {
      const hookContext = { hookData, appHookData: this.core.appHookData, invocationContext: context, inputs, result, error };
      await hook(hookContext);
      result = hookContext.result;
      error = hookContext.error;
    }
    const ms = Date.now() - started;
    if (error !== undefined && error !== null) {
      this.logger.log('error', `Failed after ${ms} ms: ${(error as Error)?.message ?? String(error)}`, scope);
      throw error;
    }
    const response = await model.getResponse(context, result);
    this.logger.log('debug', `Succeeded in ${ms} ms`, scope);
    return { returnValue: response.returnValue as TypedData | undefined, outputData: (response.outputData ?? []) as InvocationResponse['outputData'] };
  }

  private withTimeout<T>(name: string, p: Promise<T>): Promise<T> {
    const ms = this.functionTimeoutMs;
    if (!ms) return p;
    let timer: NodeJS.Timeout;
    return Promise.race([
      p,
      new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new FunctionTimeoutError(name, ms)), ms); }),
    ]).finally(() => clearTimeout(timer));
  }
}
