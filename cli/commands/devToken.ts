import type { Command } from 'commander';
import { isRole, type Role } from '../../shared/security';
import { cliConfigFromEnv } from '../api/CliConfig';
import { obtainToken } from '../api/obtainToken';
import { emit } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';

/** `asr dev-token --role <role>`: a development token for the local host at ASR_ENDPOINT. */
export function registerDevTokenCommands(program: Command): void {
  program.command('dev-token')
    .description('print a development access token for the local host (ASR_AUTH_MODE=local)')
    .option('--role <role>', 'Reader, Operator or Contributor', 'Contributor')
    .option('--subject <name>', 'who the token speaks for', 'dev-user')
    .option('--json', 'print JSON')
    .action(runCommand(async (_client, opts: { role: string; subject: string; json?: boolean }) => {
      if (!isRole(opts.role)) throw invalidArgument(`--role must be Reader, Operator or Contributor, got '${opts.role}'`);
      // Mint even when ASR_TOKEN is set: this command's job is a fresh development token.
      const config = { ...cliConfigFromEnv(), token: undefined };
      const token = await obtainToken(config, opts.role as Role, opts.subject);
      emit({ token, role: opts.role, endpoint: config.endpoint }, opts.json, (t) => t.token);
    }));
}
