/**
 * The build's configuration, read by the TypeScript compiler itself (the build running the compiled
 * code is tested end to end by services.test.ts).
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const config = ts.getParsedCommandLineOfConfigFile(
  `${root}tsconfig.build.json`,
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
)!;
const listed = new Set(config.fileNames.map((f) => relative(root, f)));

describe('tsconfig.build.json', () => {
  it('lists every source the build compiles, so `tsc --build` notices when any of them changes', () => {
    // `tsc --build` decides that dist/ is up to date from the listed files only: a source reached
    // through an import alone would be left stale in dist/ after a change.
    const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
    const compiled = program
      .getSourceFiles()
      .map((file) => relative(root, file.fileName))
      .filter((file) => !file.startsWith('node_modules/') && !file.startsWith('..'));
    expect(compiled.length).toBeGreaterThan(100);
    expect(compiled.filter((file) => !listed.has(file))).toEqual([]);
  }, 60_000);

  it('compiles production code only: no tests, no test helpers', () => {
    expect([...listed].filter((file) => /\.test\.ts$|(^|\/)(testing|test-[\w-]+|fault-injection)\.ts$/.test(file))).toEqual([]);
  });
});
