import { randomUUID } from 'node:crypto';
import { BindingData } from '../bindings/BindingExpressions';
import { FunctionsCoreApi } from './FunctionsCoreApi';
import { BindingDefinition, FunctionRegistration } from './FunctionRegistration';
import { HostLogger, toLogLevel } from './HostLogger';
import { TypedData } from './TypedData';
import { invocationTraceContext, type TraceContext } from './TraceContext';

/** What a trigger hands the invoker: its own data and metadata, in worker-protocol shape. */
export interface InvocationRequest {
  /** Data of the trigger binding (and of any input the trigger itself supplies). */
  inputData: Array<{ name: string; data: TypedData }>;
  triggerMetadata?: Record<string, TypedData>;
  retryContext?: { retryCount: number; maxRetryCount: number; exception?: { message?: string } };
  /** The caller's trace context (an HTTP trigger's `traceparent`); a new trace when absent. */
  traceContext?: TraceContext;
}

/** The programming model's answer: the return value and output bindings as TypedData. */
export interface InvocationResponse {
  returnValue?: TypedData;
  outputData: Array<{ name: string; data: TypedData }>;
}

/** Supplies the data of a non-trigger input binding (e.g. `durableClient`) per invocation. */
export type InputBindingProvider = (fn: FunctionRegistration, bindingName: string) => TypedData;

/**
 * Reads input bindings and writes output bindings of some types (e.g. the storage ones) around
 * each invocation; `{…}` in their properties resolve against `data`.
 */
export interface BindingIO {
  readonly types: readonly string[];
  read(fn: FunctionRegistration, name: string, binding: BindingDefinition, data: BindingData): Promise<TypedData>;
  write(fn: FunctionRegistration, name: string, binding: BindingDefinition, value: TypedData, data: BindingData): Promise<void>;
}

/** The name @azure/functions gives the `return:` output binding. */
const RETURN_BINDING = '$return';

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
  private readonly bindingIO = new Map<string, BindingIO>();

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

  /** Registers who reads and writes bindings of `io.types` (lower-cased match). */
  useBindings(io: BindingIO): void {
    for (const t of io.types) this.bindingIO.set(t.toLowerCase(), io);
  }

  supportsBinding(bindingType: string): boolean {
    return this.bindingIO.has(bindingType.toLowerCase()) || this.hasInputProvider(bindingType);
  }

  async invoke(fn: FunctionRegistration, request: InvocationRequest, invocationId = randomUUID()): Promise<InvocationResponse> {
    const pm = this.core.programmingModel;
    if (!pm) throw new Error('The app registered no programming model.');
    const scope = { functionName: fn.name, invocationId };
    const triggerData = request.inputData.find((i) => i.name === fn.trigger.name)?.data;
    const bindingData = BindingData.fromInvocation(fn.name, request.triggerMetadata, triggerData);
    let inputData: InvocationRequest['inputData'];
    try {
      inputData = await this.readInputs(fn, request, bindingData);
    } catch (e) {
      this.logger.log('error', `Reading input bindings failed: ${(e as Error).message}`, scope);
      throw e;
    }
    const log = (level: string, category: string, message: string) =>
      this.logger.log(toLogLevel(level), category === 'system' ? `(system) ${message}` : message, scope);
    const coreContext = {
      invocationId,
      request: {
        invocationId, functionId: fn.functionId, inputData, triggerMetadata: request.triggerMetadata ?? {}, retryContext: request.retryContext,
        traceContext: request.traceContext ?? invocationTraceContext(),
      },
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
    const answer: InvocationResponse = { returnValue: response.returnValue as TypedData | undefined, outputData: (response.outputData ?? []) as InvocationResponse['outputData'] };
    try {
      await this.writeOutputs(fn, answer, bindingData);
    } catch (e) {
      // The host fails the invocation when an output binding cannot be written (retries apply).
      this.logger.log('error', `Writing output bindings failed after ${Date.now() - started} ms: ${(e as Error).message}`, scope);
      throw e;
    }
    this.logger.log('debug', `Succeeded in ${ms} ms`, scope);
    return answer;
  }

  private async readInputs(fn: FunctionRegistration, request: InvocationRequest, data: BindingData): Promise<InvocationRequest['inputData']> {
    const inputData = [...request.inputData];
    for (const [name, binding] of Object.entries(fn.bindings)) {
      if (binding.direction !== 'in' || name === fn.trigger.name || inputData.some((i) => i.name === name)) continue;
      const provider = this.inputProviders.get(binding.type.toLowerCase());
      if (provider) {
        inputData.push({ name, data: provider(fn, name) });
        continue;
      }
      const io = this.bindingIO.get(binding.type.toLowerCase());
      if (io) inputData.push({ name, data: await io.read(fn, name, binding, data) });
    }
    return inputData;
  }

  /** Writes each output the function set (named outputs and the `$return` binding), in declaration order. */
  private async writeOutputs(fn: FunctionRegistration, response: InvocationResponse, data: BindingData): Promise<void> {
    for (const [name, binding] of Object.entries(fn.bindings)) {
      if (binding.direction !== 'out') continue;
      const io = this.bindingIO.get(binding.type.toLowerCase());
      if (!io) continue;
      const value = name === RETURN_BINDING ? response.returnValue : response.outputData.find((o) => o.name === name)?.data;
      // Nothing set: nothing written, as in Azure.
      if (value === undefined || value === null || Object.values(value).every((v) => v === undefined || v === null)) continue;
      await io.write(fn, name, binding, value, data);
    }
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
