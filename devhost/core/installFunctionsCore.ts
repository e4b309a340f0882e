import Module from 'node:module';
import { FunctionsCoreApi } from './FunctionsCoreApi';

const CORE_MODULE_ID = '@azure/functions-core';

type ModuleWithLoad = typeof Module & {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
};

let installed: FunctionsCoreApi | undefined;

/**
 * Answers `require('@azure/functions-core')` with the given stand-in, whichever copy of
 * @azure/functions asks (the app brings its own). Like the real worker, one app per process.
 * @see DEVHOST.md §1
 */
export function installFunctionsCore(api: FunctionsCoreApi): void {
  if (installed) throw new Error('funclocal hosts one app per process; a core API is already installed.');
  installed = api;
  const mod = Module as ModuleWithLoad;
  const originalLoad = mod._load;
  mod._load = function load(request: string, parent: unknown, isMain: boolean) {
    if (request === CORE_MODULE_ID && installed) return installed;
    return originalLoad.call(this, request, parent, isMain);
  };
}
