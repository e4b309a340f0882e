import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import { ServiceError } from '../../shared/errors';
import type { RegistrationKeyFile } from '../../shared/agent';
import { emit } from '../api/output';
import { runCommand } from '../api/runCommand';

/**
 * `asr site register-key <vault> --out <file>`: a single-use, short-lived registration key for a
 * new source site, written to a file only its owner can read (like ASR's vault credentials file).
 * The source host runs `asr agent protect … --registration-key-file <file>` (or `asr agent
 * register`) once; from then on it holds its own site credential, not the key.
 */
export function registerSiteCommands(program: Command): void {
  const site = program.command('site').description('source sites: registration keys for new source hosts');
  site.command('register-key <vault>')
    .description('issue a single-use registration key for a source site (valid for an hour by default)')
    .requiredOption('--out <file>', 'where to write the key file (created 0600; an existing file is not overwritten)')
    .option('--valid-minutes <n>', 'shorter validity than the service default (ASR_SITE_REGISTRATION_KEY_MINUTES)', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, opts: { out: string; validMinutes?: number; json?: boolean }) => {
      const issued = await client.post<{ properties: { registrationKey: string; expiresAt: string } }>(`${client.vaultPath(vault)}/siteRegistrationKeys`,
        { properties: opts.validMinutes ? { validityMinutes: opts.validMinutes } : {} });
      const file: RegistrationKeyFile = {
        endpoint: client.config.endpoint, subscriptionId: client.config.subscriptionId, resourceGroup: client.config.resourceGroup, vault,
        registrationKey: issued.properties.registrationKey, expiresAt: issued.properties.expiresAt,
      };
      let handle;
      try {
        handle = await open(opts.out, 'wx', 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ServiceError('OutputExists', `${opts.out} exists; a key file is never overwritten: choose another --out`);
        throw err;
      }
      try {
        await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
      } finally {
        await handle.close();
      }
      emit({ file: opts.out, vault, expiresAt: file.expiresAt }, opts.json,
        (r) => `wrote a single-use registration key for vault ${r.vault} to ${r.file} (expires ${r.expiresAt}); on the source host: asr agent protect ${r.vault} <item> … --registration-key-file ${r.file}`);
    }));
}
