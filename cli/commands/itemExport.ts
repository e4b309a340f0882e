import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ServiceError } from '../../shared/errors';
import { emit } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';
import { findItem } from './item';
import { postAction } from './job';
import { keyDetails } from './planActions';
import { keyFingerprint } from '../../shared/crypto';
import { decryptExportStream } from '../progress/decryptingDownload';
import { createProgressReporter } from '../progress/ProgressReporter';

/** `--from test-failover|failover|point:<id>` as the API's export source. */
export function exportSourceOf(from: string): { from: 'TestFailover' | 'Failover' | 'Point'; recoveryPointId?: string } {
  if (from === 'test-failover') return { from: 'TestFailover' };
  if (from === 'failover') return { from: 'Failover' };
  if (from.startsWith('point:') && from.length > 6) return { from: 'Point', recoveryPointId: from.slice(6) };
  throw invalidArgument(`--from ${from}: use test-failover, failover or point:<recovery point id>`);
}

/** `asr item export-disk`: downloads a recovered disk (a fixed VHD) to a file. */
export function registerItemExportCommands(program: Command): void {
  const item = program.commands.find((c) => c.name() === 'item') ?? program.command('item').description('protected items (replicated VMs)');
  item.command('export-disk <vault> <item>')
    .description('download a recovered disk as a fixed VHD')
    .requiredOption('--disk <n>', 'disk id, or its index (0 = OS disk)')
    .requiredOption('--from <source>', 'test-failover | failover | point:<recovery point id>')
    .requiredOption('--out <file.vhd>', 'where to write it')
    .option('--key-file <file>', 'key of an encrypted item (64 bytes: raw, hex or base64): the CLI decrypts while downloading; the key never leaves this machine')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { disk: string; from: string; out: string; keyFile?: string; json?: boolean }) => {
      const it = await findItem(client, vault, name);
      const disks = ((it.properties.providerSpecificDetails?.disks ?? []) as { diskId: string }[]).map((d) => d.diskId);
      const diskId = disks.includes(opts.disk) ? opts.disk : /^\d+$/.test(opts.disk) && Number(opts.disk) < disks.length ? disks[Number(opts.disk)] : undefined;
      if (!diskId) throw invalidArgument(`--disk ${opts.disk}: ${name} has disks ${disks.map((d, i) => `${i}=${d}`).join(', ')}`);
      // The key stays here: the service exports ciphertext, and only the output file holds plaintext.
      const key = opts.keyFile ? Buffer.from((await keyDetails(opts.keyFile)).primaryKekCertificatePfx!, 'base64') : undefined;
      const res = await postAction(client, `${it.id}/exportDisk`, { properties: { diskId, ...exportSourceOf(opts.from) } }, 'Operator');
      const exported = res.body.properties as { url: string; sizeBytes: number; encrypted?: boolean; dataBytes?: number; keyFingerprint?: string };
      if (exported.encrypted) {
        if (!key) throw invalidArgument(`${name} replicates encrypted: pass --key-file with its key to decrypt the disk while downloading`);
        if (exported.keyFingerprint && keyFingerprint(key) !== exported.keyFingerprint) {
          throw invalidArgument(`--key-file ${opts.keyFile} is not the key ${name} is encrypted with (fingerprint ${exported.keyFingerprint.slice(0, 16)}…)`);
        }
      }
      const download = await fetch(exported.url);
      if (!download.ok || !download.body) throw new ServiceError('DownloadFailed', `downloading the disk failed with HTTP ${download.status}`);
      const body = Readable.fromWeb(download.body as never);
      // Progress on stderr (a bar on a terminal, a line every 2 s in a log); none under --json.
      const total = Number(download.headers.get('content-length') ?? exported.sizeBytes) || exported.sizeBytes;
      const progress = opts.json ? undefined : createProgressReporter({ label: `downloading ${diskId}`, total });
      let received = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _enc, done) {
          received += chunk.length;
          progress?.update(received);
          done(null, chunk);
        },
      });
      try {
        await pipeline(body, counted, async function* (source: AsyncIterable<Buffer>) {
          yield* exported.encrypted ? decryptExportStream(source, key!, exported.dataBytes ?? 0) : source;
        }, createWriteStream(opts.out, { mode: 0o600 }));
      } catch (err) {
        progress?.abort();
        throw err;
      }
      progress?.finish();
      emit({ file: opts.out, bytes: exported.sizeBytes, diskId }, opts.json, (r) => `wrote ${r.bytes} bytes (disk ${r.diskId}) to ${r.file}`);
    }));
}
