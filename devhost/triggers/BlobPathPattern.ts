import { HostStartupError } from '../core/HostStartupError';

/**
 * A blob trigger path such as `samples/{name}` or `hrl/{vault}/{item}/{disk}/{name}`: a fixed
 * container, then a blob name pattern whose `{placeholders}` are greedy and may span `/`
 * (as Azure's binding templates, which capture with `.*`).
 */
export class BlobPathPattern {
  readonly container: string;
  /** The fixed start of the blob name, up to the first placeholder: the listing prefix. */
  readonly prefix: string;
  readonly placeholders: string[];
  private readonly regex: RegExp;

  private constructor(readonly path: string, container: string, blobPattern: string) {
    this.container = container;
    const parts = blobPattern.split(/(\{[^{}]*\})/);
    this.placeholders = [];
    let source = '';
    for (const part of parts) {
      const m = /^\{([^{}]*)\}$/.exec(part);
      if (!m) {
        source += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        continue;
      }
      const name = m[1].trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new HostStartupError(`Blob trigger path "${path}" has an invalid placeholder "{${m[1]}}": use {name} with letters, digits and _.`);
      }
      if (this.placeholders.includes(name)) {
        throw new HostStartupError(`Blob trigger path "${path}" uses {${name}} twice: give each placeholder its own name.`);
      }
      this.placeholders.push(name);
      source += '(.*)';
    }
    this.regex = new RegExp(`^${source}$`, 's');
    const first = blobPattern.indexOf('{');
    this.prefix = first < 0 ? blobPattern : blobPattern.slice(0, first);
  }

  /** Parses a path whose %Setting% expressions are already resolved; `where` names the function for errors. */
  static parse(path: string, where: string): BlobPathPattern {
    const trimmed = path.trim().replace(/^\/+/, '');
    const slash = trimmed.indexOf('/');
    const container = slash < 0 ? trimmed : trimmed.slice(0, slash);
    const blob = slash < 0 ? '' : trimmed.slice(slash + 1);
    if (!/^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/.test(container) && container !== '$root') {
      throw new HostStartupError(`${where}: blob trigger path "${path}" must start with a fixed container name (3-63 lower-case letters, digits, single hyphens), e.g. "samples/{name}".`);
    }
    return new BlobPathPattern(path, container, blob === '' ? '{name}' : blob);
  }

  /** The placeholder values for `blobName`, or undefined when the blob does not match. */
  match(blobName: string): Record<string, string> | undefined {
    const m = this.regex.exec(blobName);
    if (!m) return undefined;
    const values: Record<string, string> = {};
    this.placeholders.forEach((name, i) => { values[name] = m[i + 1]; });
    return values;
  }
}
