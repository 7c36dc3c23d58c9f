/**
 * Runs the Prisma CLI once per subgraph schema (`prisma/<name>/schema.prisma`).
 *
 *   tsx prisma/cli.ts generate [name...]          generate each subgraph's client
 *   tsx prisma/cli.ts init-migration [name...]    write migrations/0001_init from an empty database
 *   tsx prisma/cli.ts validate [name...]
 *   tsx prisma/cli.ts migration <name> <NNNN_label>   write the next migration: the SQL from the
 *                                                    committed schema (git HEAD) to the edited one
 *
 * The schemas read `<NAME>_DATABASE_URL`; generation needs no database, so a placeholder is set when
 * the variable is absent (Prisma otherwise falls back to downloading an engine, which fails offline).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const [command = 'generate', ...names] = process.argv.slice(2);
const all = readdirSync(join(root, 'prisma')).filter((entry) => existsSync(join(root, 'prisma', entry, 'schema.prisma')));
const subgraphs = command === 'migration' ? names.slice(0, 1) : names.length > 0 ? names : all;

function prisma(subgraph: string, args: string[]): string {
  const urlVar = `${subgraph.toUpperCase()}_DATABASE_URL`;
  const result = spawnSync(join(root, 'node_modules/.bin/prisma'), [...args, '--config', join(root, 'prisma.config.ts')], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      PRISMA_SUBGRAPH: subgraph,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
      [urlVar]: process.env[urlVar] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`prisma ${args[0]} failed for ${subgraph}`);
  }
  return result.stdout;
}

for (const subgraph of subgraphs) {
  const schema = join('prisma', subgraph, 'schema.prisma');
  switch (command) {
    case 'generate':
      prisma(subgraph, ['generate', '--no-hints']);
      console.log(`prisma client generated for ${subgraph}`);
      break;
    case 'validate':
      prisma(subgraph, ['validate']);
      break;
    case 'init-migration': {
      const dir = join(root, 'prisma', subgraph, 'migrations');
      if (existsSync(dir) && readdirSync(dir).some((d) => statSync(join(dir, d)).isDirectory())) {
        console.log(`${subgraph}: migrations exist, skipped`);
        break;
      }
      const sql = prisma(subgraph, ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', schema, '--script']);
      mkdirSync(join(dir, '0001_init'), { recursive: true });
      writeFileSync(join(dir, '0001_init', 'migration.sql'), sql);
      writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
      console.log(`${subgraph}: wrote migrations/0001_init`);
      break;
    }
    case 'migration': {
      const label = names[1];
      if (!label || !/^\d{4}_\w+$/.test(label)) throw new Error('usage: migration <name> <NNNN_label>');
      // The old schema sits beside the new one so its relative `output` path resolves the same way.
      const before = join('prisma', subgraph, '.schema-at-head.prisma');
      writeFileSync(join(root, before), execFileSync('git', ['show', `HEAD:${schema}`], { cwd: root }));
      try {
        const sql = prisma(subgraph, [
          'migrate',
          'diff',
          '--from-schema-datamodel',
          before,
          '--to-schema-datamodel',
          schema,
          '--script',
        ]);
        const dir = join(root, 'prisma', subgraph, 'migrations', label);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'migration.sql'), sql);
        console.log(`${subgraph}: wrote migrations/${label} (review it; add CHECK constraints by hand)`);
      } finally {
        rmSync(join(root, before), { force: true });
      }
      break;
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}
