/**
 * The DOCX inflation bound against archives built to get past a zip check: declared sizes that lie,
 * an end record pointing at a decoy directory, an entry the end record does not count. Each is
 * refused for good while inflating, the process barely growing; an honest DOCX passes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lyingDocx, shiftedDirectoryDocx, uncountedEntryDocx } from '../../test-fixtures/lying-docx.ts';
import { assertDocxInflatesWithin } from './text-extractors.ts';

const limit = 100 * 1024 * 1024;

describe('DOCX inflation bound', () => {
  it.each([
    ['sizes that lie in both directories', lyingDocx],
    ['an end record pointing at a decoy directory (offsets shifted)', shiftedDirectoryDocx],
    ['an entry the end record does not count', uncountedEntryDocx],
  ])(
    'refuses a bomb with %s, inflating no more than the limit',
    async (_, build) => {
      const bomb = await build(300 * 1024 * 1024);
      const before = process.memoryUsage.rss();
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
      try {
        await expect(assertDocxInflatesWithin(bomb, limit)).rejects.toMatchObject({
          name: 'PermanentJobFailure',
          message: 'The Word document inflates to more than 100 MB; at most 100 MB can be read',
        });
      } finally {
        clearInterval(sampler);
      }
      // JSZip inflates 16 KB of compressed input at a time (up to ~16 MB of output a step): tens of MB
      // (36 MB alone, up to 68 MB seen on a loaded CI machine, where the GC runs late). Whatever holds
      // the inflated text until the limit (100 MB) before refusing grows past this bound.
      expect(peak - before).toBeLessThan(90 * 1024 * 1024);
    },
    30_000,
  );

  it('lets an honest DOCX through', async () => {
    await expect(
      assertDocxInflatesWithin(readFileSync(new URL('../../test-fixtures/contract.docx', import.meta.url)), limit),
    ).resolves.toBeUndefined();
  });
});
