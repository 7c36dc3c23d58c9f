/**
 * The layers of the repository as a lint rule (`meridian/layers`, configured in eslint.config.js).
 * Each import is resolved to a path from the repository root (`#kit/x` is `kit/src/x.ts`) and checked
 * against the layer of the importing file:
 *
 *   kit/                bottom: imports nothing from router/, subgraphs/, stack/, web/ or bench/
 *   subgraphs/<name>/   the kit and its own files; never another subgraph, the router or the stack
 *   router/             the kit and its own files
 *   stack/, bench/,     anything below, but a subgraph only through its public entry
 *   web/test/             subgraphs/<name>/src/index.ts (and its test fixtures, which are data)
 *
 * and, inside a subgraph, `src/domain/**` is pure: from the kit only the pure entries (`pureKit`;
 * type-only imports load nothing and are allowed), and nothing of its subgraph outside `src/domain`.
 * The pure kit entries themselves import only each other, so purity holds transitively.
 * Package imports (graphql, Prisma, pg, …) in the domain are refused by `no-restricted-imports`.
 */
import { dirname, relative, resolve } from 'node:path';

const upper = ['router', 'subgraphs', 'stack', 'web', 'bench'];

/** `kit/src/errors.js` -> `errors`; null outside kit/src. */
const kitModule = (path) => /^kit\/src\/([\w-]+)\.(?:ts|js)$/.exec(path)?.[1] ?? /^kit\/src\/([\w-]+)$/.exec(path)?.[1] ?? null;

/** The import's target as a path from the repository root; null for packages. */
function targetOf(specifier, file, root) {
  if (specifier.startsWith('#kit/')) return `kit/src/${specifier.slice('#kit/'.length)}.ts`;
  if (specifier.startsWith('.')) return relative(root, resolve(dirname(file), specifier));
  return null;
}

/** What is wrong with importing `target` from `from` (both paths from the root); null when allowed. */
function problemOf(from, target, { typeOnly, pureKit }) {
  const [layer, name, folder, sub] = from.split('/');
  const [toLayer, toName, toFolder, toFile] = target.split('/');
  if (layer === 'kit') {
    if (upper.includes(toLayer)) return `the kit is the bottom layer: it imports nothing from ${toLayer}/`;
    const module = kitModule(from);
    if (module && pureKit.includes(module) && (toLayer !== 'kit' || !pureKit.includes(kitModule(target)))) {
      return `kit/src/${module}.ts is a pure entry: it imports only the other pure kit entries (${pureKit.join(', ')})`;
    }
    return null;
  }
  if (layer === 'subgraphs') {
    if (toLayer === 'subgraphs' && toName !== name) {
      return `subgraphs/${name} may not import subgraphs/${toName}: subgraphs meet in the supergraph and on the event bus`;
    }
    if (upper.includes(toLayer) && toLayer !== 'subgraphs')
      return `a subgraph imports only the kit and its own files, not ${toLayer}/`;
    if (folder === 'src' && sub === 'domain' && !/\.test\.ts$/.test(from)) {
      if (toLayer === 'kit' && !typeOnly && !pureKit.includes(kitModule(target))) {
        return `src/domain is pure: from the kit it imports only ${pureKit.map((m) => `#kit/${m}`).join(', ')} (or types)`;
      }
      if (toLayer === 'subgraphs' && !(toFolder === 'src' && toFile === 'domain')) {
        return 'src/domain depends on nothing of its subgraph outside src/domain (no adapters, app, graphql, generated code)';
      }
    }
    return null;
  }
  if (layer === 'router') {
    if (upper.includes(toLayer) && toLayer !== 'router')
      return `the router imports only the kit and its own files, not ${toLayer}/`;
    return null;
  }
  if (layer === 'stack' || layer === 'bench' || (layer === 'web' && name === 'test')) {
    const entry = toLayer === 'subgraphs' && toFolder === 'src' && toFile === 'index.ts' && target.split('/').length === 4;
    const fixture = toLayer === 'subgraphs' && toFolder === 'test-fixtures';
    if (toLayer === 'subgraphs' && !entry && !fixture) {
      return `use the subgraph through its public entry subgraphs/${toName}/src/index.ts, not ${target}`;
    }
  }
  return null;
}

const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the layers: kit < subgraphs, router < stack, bench; subgraphs through their index.ts' },
    schema: [
      {
        type: 'object',
        properties: { pureKit: { type: 'array', items: { type: 'string' } } },
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const root = context.cwd;
    const from = relative(root, context.filename);
    const pureKit = context.options[0]?.pureKit ?? [];
    const check = (node, source, typeOnly) => {
      if (typeof source?.value !== 'string') return;
      const target = targetOf(source.value, context.filename, root);
      if (!target) {
        const module = kitModule(from);
        if (module && pureKit.includes(module)) {
          context.report({
            node: source,
            message: `kit/src/${module}.ts is a pure entry: it imports no packages ('${source.value}')`,
          });
        }
        return;
      }
      const problem = problemOf(from, target, { typeOnly, pureKit });
      if (problem) context.report({ node: source, message: `${problem} ('${source.value}')` });
    };
    const typeOnlyImport = (node) =>
      node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
    return {
      ImportDeclaration: (node) => check(node, node.source, typeOnlyImport(node)),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source, false),
    };
  },
};

export default { rules: { layers } };
