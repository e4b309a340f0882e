// ESLint flat config. Scope: the recovery orchestrators' determinism rule (STYLE.md: orchestrators
// are pure - no Node builtins, no SDK clients, no clock or randomness, no floating promises; the same rule holds for funclocal's Durable replay driver
// and for the pure folders of lint/layers.js), no-floating-promises over the recovery code, and the layer rule
// (docs/architecture.md: which folder may import which, lint/layers.js) over all source folders.
const tseslint = require('typescript-eslint');
const { rule: layerImports } = require('./lint/layerImportsRule');
const { zones, allow } = require('./lint/layers');

/** Folders that must stay deterministic: the orchestrators, the replay driver, and the pure folders they call (lint/layers.js PURE). */
const DETERMINISTIC = ['functions/orchestrators/**/*.ts', 'devhost/durable/replay/**/*.ts', 'shared/recovery/plan/**/*.ts', 'shared/automation/policy/**/*.ts'];

const NODE_BUILTINS = [
  'assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'test/fixtures/**', '**/fixture-app/**', 'coverage/**'] },
  {
    files: [...DETERMINISTIC, 'functions/activities/**/*.ts', 'shared/recovery/**/*.ts', 'shared/arm/recovery/**/*.ts', 'functions/http/{jobs,planActions,itemActions,runbookCallback}*.ts', 'cli/commands/{job,planActions,itemExport}.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: __dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Orchestrators are replayed: same history in, same actions out. I/O only through
    // activities, time only from context.df.currentUtcDateTime, no randomness.
    files: DETERMINISTIC,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: NODE_BUILTINS.flatMap((m) => [
          { name: m, message: 'orchestrators must not do I/O: call an activity' },
          { name: `node:${m}`, message: 'orchestrators must not do I/O: call an activity' },
        ]),
        patterns: [
          { group: ['@azure/*', '!@azure/functions'], message: 'no SDK clients in orchestrators: call an activity', allowTypeImports: true },
          // Which shared/ modules they may take values from is decided by folder, not by file name:
          // lint/layers.js lets orchestrators and pure folders import values only from the PURE folders.
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'fetch', message: 'orchestrators must not do I/O: call an activity' },
        { name: 'setTimeout', message: 'use context.df.createTimer' },
        { name: 'setInterval', message: 'use context.df.createTimer' },
        { name: 'process', message: 'configuration reaches an orchestrator through its input' },
        { name: 'require', message: 'no dynamic imports in orchestrators' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'use context.df.currentUtcDateTime, not the wall clock' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'use context.df.currentUtcDateTime, not the wall clock' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'no randomness in orchestrators (replays must decide the same way)' },
        { selector: "CallExpression[callee.object.name='crypto'][callee.property.name='randomUUID']", message: 'no randomness in orchestrators: use context.df.newGuid' },
      ],
    },
  },
  {
    // The protection state machine is pure: facts and the time in, state and health out, so the
    // API's read-time RPO and the writers' stored copy come from one function and tests drive time.
    files: ['shared/protection/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: NODE_BUILTINS.flatMap((m) => [{ name: m, message: 'the state machine is pure' }, { name: `node:${m}`, message: 'the state machine is pure' }]),
        patterns: [{ group: ['@azure/*'], message: 'the state machine is pure: no SDK clients', allowTypeImports: true }],
      }],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'take the time as a parameter (now / at)' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'take the time as a parameter (now / at)' },
      ],
    },
  },
  {
    // Layers (docs/architecture.md): a folder imports only the folders lint/layers.js lets it.
    // Type-free parsing: this rule needs no program, so it stays cheap over the whole tree.
    files: ['shared/**/*.ts', 'functions/**/*.ts', 'devhost/**/*.ts', 'cli/**/*.ts', 'bench/**/*.ts', 'demo/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { layers: { rules: { imports: layerImports } }, '@typescript-eslint': tseslint.plugin },
    rules: {
      'layers/imports': ['error', { zones, allow }],
      // Static imports only, so the layer rule sees every edge (the two dynamic loads of emulator internals are marked where they are).
      '@typescript-eslint/no-require-imports': 'error',
    },
  },
  {
    // The local host loads the customer's app by path: a dynamic require by nature, outside the layers.
    files: ['devhost/core/AppLoader.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
