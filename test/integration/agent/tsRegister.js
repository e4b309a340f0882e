// TEST SUPPORT ONLY: lets a child `node -r ./tsRegister.js file.ts` run TypeScript sources by
// transpiling each module on load (no type check; jest's ts-jest checks types).
const ts = require('typescript');
const fs = require('node:fs');

require.extensions['.ts'] = function compile(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const out = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
    fileName: filename,
  });
  module._compile(out.outputText, filename);
};
