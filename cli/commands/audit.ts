import type { Command } from 'commander';
import { emit, table } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';

/** A `$filter` value in single quotes, with quotes doubled as OData wants. */
function quoted(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/** `asr audit <vault>`: who did what, when, and how it ended (the vault's audit log, newest first). */
export function registerAuditCommands(program: Command): void {
  program.command('audit <vault>')
    .description('the vault\'s audit log, newest first (docs/reports.md)')
    .option('--since <time>', 'only events at or after this time (ISO 8601, or a duration such as 24h, 7d)')
    .option('--caller <who>', 'only calls by this caller (subject or name)')
    .option('--operation <action>', "only this operation, e.g. 'testFailover replicationRecoveryPlans'")
    .option('--outcome <outcome>', 'Succeeded or Failed')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, opts: { since?: string; caller?: string; operation?: string; outcome?: string; json?: boolean }) => {
      const clauses: string[] = [];
      if (opts.since) {
        const rel = /^(\d+)([hd])$/.exec(opts.since);
        const at = rel ? new Date(Date.now() - Number(rel[1]) * (rel[2] === 'h' ? 3600_000 : 86_400_000)) : new Date(opts.since);
        if (Number.isNaN(at.getTime())) throw invalidArgument(`--since: '${opts.since}' is neither a time (ISO 8601) nor a duration like 24h or 7d`);
        clauses.push(`time ge ${quoted(at.toISOString())}`);
      }
      if (opts.caller) clauses.push(`caller eq ${quoted(opts.caller)}`);
      if (opts.operation) clauses.push(`operation eq ${quoted(opts.operation)}`);
      if (opts.outcome) clauses.push(`outcome eq ${quoted(opts.outcome)}`);
      const filter = clauses.length ? `?$filter=${encodeURIComponent(clauses.join(' and '))}` : '';
      const events = await client.list(`${client.vaultPath(vault)}/replicationAuditEvents${filter}`);
      emit(events, opts.json, (es) => table(['TIME', 'CALLER', 'OPERATION', 'OUTCOME', 'STATUS', 'RESOURCE'], es.map((e) => [
        e.properties.time, e.properties.caller, e.properties.operation, e.properties.outcome, String(e.properties.status), e.properties.resourceId,
      ])));
    }));
}
