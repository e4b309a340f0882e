#!/usr/bin/env node
import { Command } from 'commander';
import { ServiceError } from '../shared/errors';
import { registerAgentCommands } from './commands/agent';
import { registerAuditCommands } from './commands/audit';
import { registerDevTokenCommands } from './commands/devToken';
import { registerDiskCommands } from './commands/disk';
import { registerDrillCommands } from './commands/drill';
import { registerDrillReportCommand } from './commands/drillReport';
import { registerItemCommands } from './commands/item';
import { registerItemExportCommands } from './commands/itemExport';
import { registerJobCommands } from './commands/job';
import { registerPlanCommands } from './commands/plan';
import { registerPlanActionsCommands } from './commands/planActions';
import { registerFailbackCommands } from './commands/failback';
import { registerPlanEditCommands } from './commands/planEdit';
import { registerPointCommands } from './commands/point';
import { registerItemTargetCommands } from './commands/itemTarget';
import { registerPolicyCommands } from './commands/policy';
import { registerVaultCommands } from './commands/vault';
import { registerSiteCommands } from './commands/site';
import { registerRuleCommands } from './commands/rule';

/**
 * The `asr` CLI. Each command group lives in `cli/commands/<group>.ts` and exports
 * `register<Group>Commands(program)`; this file only wires them and reports errors.
 */
export function buildProgram(): Command {
  const program = new Command('asr')
    .description('Site Recovery Functions command line')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  registerDiskCommands(program);
  registerVaultCommands(program);
  registerPolicyCommands(program);
  registerPlanCommands(program);
  registerPlanActionsCommands(program);
  registerPlanEditCommands(program);
  registerItemCommands(program);
  registerItemExportCommands(program);
  registerFailbackCommands(program);
  registerItemTargetCommands(program);
  registerPointCommands(program);
  registerJobCommands(program);
  registerDrillCommands(program);
  registerDrillReportCommand(program);
  registerAuditCommands(program);
  registerAgentCommands(program);
  registerSiteCommands(program);
  registerRuleCommands(program);
  registerDevTokenCommands(program);
  return program;
}

/** One clear line on stderr; the stack only with ASR_DEBUG=1. */
function reportError(err: unknown): void {
  if (process.env.ASR_DEBUG === '1') {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    if (err instanceof Error && err.cause) process.stderr.write(`caused by: ${String((err.cause as Error).stack ?? err.cause)}\n`);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof ServiceError ? ` [${err.code}]` : (err as NodeJS.ErrnoException)?.code ? ` [${(err as NodeJS.ErrnoException).code}]` : '';
  process.stderr.write(`asr: ${message.split('\n')[0]}${code}\n`);
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      reportError(err);
      process.exitCode = 1;
    });
}
