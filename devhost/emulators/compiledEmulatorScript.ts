import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError } from '../../shared/errors';

/** A compiled script of this folder (`main.js`, `azuriteWorker.js`); when running from TypeScript source (ts-jest), the one in dist/. */
export function compiledEmulatorScript(file: string): string {
  const script = __filename.endsWith('.ts')
    ? join(__dirname, '..', '..', 'dist', 'devhost', 'emulators', file)
    : join(__dirname, file);
  if (!existsSync(script)) {
    throw new ServiceError('EmulatorsNotBuilt', `${script} does not exist; run "npx tsc -p tsconfig.json" first`);
  }
  return script;
}
