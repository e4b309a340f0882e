import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { ServiceError } from '../../shared/errors';
import { DiskImage, openDiskImage, writeFixedVhd } from '../../shared/disk';
import { createProgressReporter } from '../progress/ProgressReporter';
import { formatBytes } from '../progress/formatBytes';

const FORMAT_NAMES: Record<DiskImage['format'], string> = {
  raw: 'raw',
  'vhd-fixed': 'fixed VHD',
  'vhd-dynamic': 'dynamic VHD',
  vhdx: 'VHDX',
};

async function withImage<T>(path: string, format: 'raw' | 'vhd' | 'vhdx' | undefined, use: (image: DiskImage) => Promise<T>): Promise<T> {
  const image = await openDiskImage(path, { format });
  try {
    return await use(image);
  } finally {
    await image.close();
  }
}

const inputFormat = () =>
  new Option('--input-format <format>', 'read the input as this format instead of detecting it').choices(['raw', 'vhd', 'vhdx']);

/** `asr disk …`: inspect disk images and convert them to Azure-ready fixed VHDs. */
export function registerDiskCommands(program: Command): void {
  const disk = program.command('disk').description('inspect and convert disk images (raw, VHD, VHDX)');

  disk
    .command('info')
    .description('show format, virtual size, sector size, allocated bytes and block size of an image')
    .argument('<file>', 'disk image')
    .addOption(inputFormat())
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean; inputFormat?: 'raw' | 'vhd' | 'vhdx' }) => {
      await withImage(file, opts.inputFormat, async (image) => {
        const info = {
          format: image.format,
          virtualSize: image.virtualSize,
          logicalSectorSize: image.logicalSectorSize,
          allocatedBytes: image.allocatedBytes,
          blockSize: image.blockSize ?? null,
        };
        if (opts.json) {
          process.stdout.write(JSON.stringify(info, null, 2) + '\n');
          return;
        }
        process.stdout.write(
          [
            `file:                ${file}`,
            `format:              ${FORMAT_NAMES[image.format]}`,
            `virtual size:        ${formatBytes(info.virtualSize)} (${info.virtualSize} bytes)`,
            `logical sector size: ${info.logicalSectorSize}`,
            `allocated:           ${formatBytes(info.allocatedBytes)} (${info.allocatedBytes} bytes)`,
            `block size:          ${info.blockSize === null ? 'n/a' : formatBytes(info.blockSize)}`,
          ].join('\n') + '\n',
        );
      });
    });

  disk
    .command('convert')
    .description('convert a raw, VHD or VHDX image to an Azure-ready fixed VHD (size rounded up to a whole MiB, footer last)')
    .argument('<in>', 'source disk image (format detected)')
    .argument('<out>', 'fixed VHD to write')
    .addOption(inputFormat())
    .option('-f, --force', 'replace <out> if it exists')
    .option('--json', 'print JSON (no progress bar)')
    .action(async (input: string, out: string, opts: { force?: boolean; json?: boolean; inputFormat?: 'raw' | 'vhd' | 'vhdx' }) => {
      if (resolve(input) === resolve(out)) throw new ServiceError('SameFile', 'input and output are the same file; choose another output path');
      await withImage(input, opts.inputFormat, async (image) => {
        const started = Date.now();
        const progress = opts.json ? { update: () => undefined, finish: () => undefined, abort: () => undefined } : createProgressReporter({ label: 'converting', total: image.virtualSize });
        let result;
        try {
          result = await writeFixedVhd(image, out, { overwrite: opts.force, onProgress: (done) => progress.update(done) });
        } catch (err) {
          progress.abort();
          throw err;
        }
        progress.finish();
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ file: out, format: 'vhd-fixed', virtualSize: result.virtualSize, bytesWritten: result.bytesWritten, from: image.format, seconds: Number(seconds) }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `wrote ${out}: fixed VHD, virtual size ${formatBytes(result.virtualSize)} (${result.virtualSize} bytes), ` +
            `from ${FORMAT_NAMES[image.format]}, ${formatBytes(result.bytesWritten)} of data in ${seconds} s\n`,
        );
      });
    });
}
