#!/usr/bin/env node
/**
 * Entry of the separate emulators process (dist/devhost/emulators/main.js). A crash of the
 * Functions host does not take storage down with it, because storage lives here.
 */
import { emulatorsCommand } from './emulatorsCommand';

export { runEmulatorsCommand } from './runEmulatorsCommand';
export { spawnEmulatorsProcess } from './spawnEmulatorsProcess';

if (require.main === module) {
  emulatorsCommand('emulators').parseAsync(process.argv).catch((err: Error) => {
    process.stderr.write(`emulators: error: ${err.message}\n`);
    process.exit(1);
  });
}
