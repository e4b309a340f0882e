import { dirname } from 'node:path';

type TemplateMatch = (url: string, template: string) => boolean;
type CompiledTemplate = { fromUri(url: string, options: { strict: boolean }): Record<string, unknown> | undefined };
type TemplateCompiler = (template: string) => CompiledTemplate;

export const AZURITE_SERVICES = ['blob', 'queue', 'table'] as const;
/** Whether each service's generated helper matches strictly (Azurite 3.35: table does not). */
const STRICT: Record<(typeof AZURITE_SERVICES)[number], boolean> = { blob: true, queue: true, table: false };
const PATCHED = Symbol.for('asr.azuriteTemplateCache');

/* eslint-disable @typescript-eslint/no-require-imports */
const azuriteDir = () => dirname(require.resolve('azurite/package.json'));

/** The module of Azurite's generated helpers whose `isURITemplateMatch` the dispatch calls per operation. */
export function azuriteGeneratedUtils(service: (typeof AZURITE_SERVICES)[number]): { isURITemplateMatch: TemplateMatch } {
  return require(`${azuriteDir()}/dist/src/${service}/generated/utils/utils`) as { isURITemplateMatch: TemplateMatch };
}

/** Answers kept at most; the blob service asks about a handful of paths, the others may ask about more. */
const ANSWERS_KEPT = 4096;

/**
 * Azurite's `isURITemplateMatch`, with each template compiled once and each answer kept. Same
 * answer: the request path fits the template (strictly or not, as the service's helper) and
 * gives no parameter an empty value; it depends on nothing else, so a kept answer is the answer.
 * The blob service dispatches on `/container/blob`, `/container` or `/` (its context middleware
 * replaces the names), so every request after the first few is answered from the map; beyond
 * {@link ANSWERS_KEPT} (paths that carry names, e.g. table entities) the map starts again.
 */
export function cachedTemplateMatch(compile: TemplateCompiler, strict: boolean): TemplateMatch {
  const compiled = new Map<string, CompiledTemplate>();
  const answers = new Map<string, boolean>();
  return (url, template) => {
    const key = `${template}\n${url}`;
    const known = answers.get(key);
    if (known !== undefined) return known;
    let t = compiled.get(template);
    if (!t) compiled.set(template, (t = compile(template)));
    const values = t.fromUri(url, { strict });
    const answer = values !== undefined && Object.values(values).every((v) => v !== '');
    if (answers.size >= ANSWERS_KEPT) answers.clear();
    answers.set(key, answer);
    return answer;
  };
}

/**
 * Azurite's generated dispatch finds a request's operation by testing it against every
 * operation's URI template, compiling each template again for every request (uri-templates
 * parses it into closures each time). In the merge fleet bench that was 13 % of the blob
 * thread, the bound of the merge rate (issue 17); matching the compiled templates was still 6 %.
 * The compiled templates and their answers are kept instead; templates are fixed strings of
 * Azurite's specification, so the cache holds a few dozen.
 */
export function installAzuriteTemplateCache(): void {
  const compile = require(require.resolve('uri-templates', { paths: [azuriteDir()] })) as TemplateCompiler;
  for (const service of AZURITE_SERVICES) {
    const utils = azuriteGeneratedUtils(service) as { isURITemplateMatch: TemplateMatch; [PATCHED]?: true };
    if (utils[PATCHED]) continue;
    utils.isURITemplateMatch = cachedTemplateMatch(compile, STRICT[service]);
    utils[PATCHED] = true;
  }
}
