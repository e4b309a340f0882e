import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import { FunctionsCoreApi } from './FunctionsCoreApi';
import { HostStartupError } from './HostStartupError';

/**
 * Loads a Functions app the way the Node worker does: `package.json` `main` (a file or a glob)
 * is required file by file, then `appStart` hooks run, then `getCapabilities` locks app.setup.
 * @see DEVHOST.md §1
 */
export async function loadApp(appDir: string, core: FunctionsCoreApi): Promise<void> {
  const { dir, main, files } = resolveAppEntryFiles(appDir);
  for (const file of files) {
    try {
      require(file);
    } catch (e) {
      throw new HostStartupError(`Loading ${file} failed: ${(e as Error).message}`, { cause: e });
    }
  }
  if (!core.programmingModel) {
    throw new HostStartupError(`No function was registered by ${main}: register functions with @azure/functions (app.http, app.timer, ...).`);
  }
  for (const hook of core.hooks.appStart) {
    await hook({ hookData: {}, appHookData: core.appHookData, functionAppDirectory: dir });
  }
  core.capabilities = { ...(await core.programmingModel.getCapabilities({})) };
}

/**
 * Checks an app folder without running it: it exists, has a package.json whose `main` matches
 * at least one file. Returns those files in load order.
 */
export function resolveAppEntryFiles(appDir: string): { dir: string; main: string; files: string[] } {
  const dir = resolve(appDir);
  if (!existsSync(dir)) throw new HostStartupError(`App folder ${dir} does not exist: pass --app <folder of the Functions app>.`);
  const pkgPath = join(dir, 'package.json');
  if (!existsSync(pkgPath)) throw new HostStartupError(`${dir} has no package.json: a Node Functions app declares its entry files in package.json "main".`);
  let main: unknown;
  try {
    main = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { main?: unknown }).main;
  } catch (e) {
    throw new HostStartupError(`${pkgPath} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof main !== 'string' || main.trim() === '') {
    throw new HostStartupError(`${pkgPath} has no "main": set it to the compiled function files, e.g. "dist/functions/*.js".`);
  }
  const files = globSync(main, { cwd: dir, absolute: true, onlyFiles: true }).sort();
  if (files.length === 0) {
    throw new HostStartupError(`package.json "main" (${main}) matches no file in ${dir}: build the app first (npm run build).`);
  }
  return { dir, main, files };
}
