import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { consoleConfigFromEnv, consoleCsp } from './consoleConfig';

/** A plain HTTP answer; functions/http/console.ts turns it into the Functions response. */
export interface ConsoleResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The CSP of the local (development issuer) page, kept as a constant for the tests and docs. */
export const CONSOLE_CSP = consoleCsp();

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Site Recovery console</title>
<link rel="stylesheet" href="/console/console.css">
<script type="module" src="/console/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><a href="#/" class="brand">Site Recovery</a><nav id="who" aria-label="Account"></nav><button id="refresh" type="button">Refresh</button></header>
<main id="main" tabindex="-1"><p>Loading…</p></main>
<p id="status" role="status" aria-live="polite"></p>
</body>
</html>
`;

/** Colours chosen for WCAG AA contrast (4.5:1 or more) on their backgrounds. */
const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff}
header{display:flex;gap:1em;align-items:center;padding:.5em 1em;background:#0b3d6e;color:#fff;flex-wrap:wrap}
header a.brand{color:#fff;font-weight:700;text-decoration:none;margin-right:auto}
header button{background:#fff;color:#0b3d6e}
main{padding:1em;max-width:1200px}
h1{font-size:1.5em;margin:.2em 0 .6em}
h2{font-size:1.15em;margin-top:1.4em}
a{color:#0a4f9e}
button{font:inherit;padding:.45em .9em;border:1px solid #0b3d6e;border-radius:4px;background:#fff;color:#0b3d6e;cursor:pointer;min-height:44px}
button.primary{background:#0b3d6e;color:#fff}
button:disabled{border-color:#767676;color:#595959;background:#f0f0f0;cursor:not-allowed}
:focus-visible{outline:3px solid #c75000;outline-offset:2px}
.buttons{display:flex;flex-wrap:wrap;gap:.5em;margin:.8em 0}
label{display:block;margin:.6em 0 .2em;font-weight:600}
input,select,textarea{font:inherit;width:100%;max-width:40em;padding:.4em;border:1px solid #595959;border-radius:4px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4em .6em;border-bottom:1px solid #d0d0d0;vertical-align:top}
.badge{display:inline-block;padding:0 .5em;border-radius:3px;font-size:.9em;font-weight:600;background:#e6e6e6;color:#1b1b1b}
.badge.normal,.badge.succeeded{background:#dff3e4;color:#0d5223}
.badge.warning,.badge.suspended{background:#fff1c2;color:#5c4300}
.badge.critical,.badge.failed{background:#fde0e0;color:#8a1010}
.badge.inprogress,.badge.running{background:#dcebfb;color:#0b3d6e}
.badge.passed{background:#dff3e4;color:#0d5223}
.badge.skipped,.badge.missed{background:#fff1c2;color:#5c4300}
.downloads{display:inline-flex;flex-wrap:wrap;gap:.3em}
button.small{padding:.3em .6em}
.error{color:#8a1010}
.action{color:#1b1b1b;font-size:.95em}
.manual{border:2px solid #c75000;border-radius:6px;padding:.5em 1em;margin:1em 0;background:#fff8f0}
.tree li{margin:.2em 0}
dialog{max-width:36em;width:calc(100% - 2em);border:1px solid #595959;border-radius:6px}
#status{padding:0 1em}
.skip{position:absolute;left:-999px}.skip:focus{left:1em;top:1em;background:#fff;padding:.5em}
@media (max-width:600px){main{padding:.6em}th,td{padding:.3em}h1{font-size:1.25em}}
`;

/** Where the built browser module is: `dist/console/` (tsconfig.console.json), beside `dist/shared/`. */
const ASSET_DIR = join(__dirname, '..', '..', 'console');

/** The page's modules as `tsconfig.console.json` builds them (`console/*.ts`): a bare name, never a path. */
const MODULE_NAME = /^[A-Za-z][A-Za-z0-9]*\.js$/;

/** MSAL for single-page apps, from the installed package (pinned): one UMD file that defines `msal`, served from this origin (no CDN). */
const MSAL_FILE = join(dirname(require.resolve('@azure/msal-browser/package.json')), 'lib', 'msal-browser.min.js');

/** GET /console[/asset]: the page, its stylesheet, its modules, MSAL (Entra only), its config; 404 for anything else. */
export async function consoleResponse(asset: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ConsoleResponse> {
  const name = (asset ?? '').replace(/^\/+/, '');
  const config = consoleConfigFromEnv(env);
  const headers = { ...COMMON_HEADERS, 'content-security-policy': consoleCsp(config) };
  if (name === '' || name === 'index.html') return { status: 200, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' }, body: PAGE };
  if (name === 'console.css') return { status: 200, headers: { ...headers, 'content-type': 'text/css; charset=utf-8' }, body: CSS };
  if (name === 'config.json') return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(config) };
  const script = (body: string) => ({ status: 200, headers: { ...headers, 'content-type': 'text/javascript; charset=utf-8' }, body });
  if (MODULE_NAME.test(name) && name !== 'msal-browser.js') {
    const body = await readFile(join(ASSET_DIR, name), 'utf8').catch(() => undefined);
    if (body !== undefined) return script(body);
  }
  // Only when Entra sign-in is configured: the local page never loads it.
  if (name === 'msal-browser.js' && config.entra) return script(await readFile(MSAL_FILE, 'utf8'));
  return { status: 404, headers: { ...headers, 'content-type': 'text/plain' }, body: 'not found' };
}
