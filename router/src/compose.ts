/**
 * Composition: the subgraph list in `supergraph.yaml` (rover config format) -> a supergraph SDL.
 * `npm run compose` writes `router/supergraph.graphql` and the API schema clients are typed against
 * (`web/schema.graphql`), and exits non-zero with the composition errors when the subgraphs do not
 * compose.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { parse, printSchema } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { defaultSupergraphFile, forGateway } from './supergraph-file.ts';

/** One subgraph as composition sees it. */
export interface SubgraphSource {
  name: string;
  url: string;
  typeDefs: string;
}

const SupergraphConfig = z.object({
  federation_version: z.string().optional(),
  subgraphs: z.record(z.string(), z.object({ routing_url: z.string().url(), schema: z.object({ file: z.string() }) })),
});

/** Reads a rover-format `supergraph.yaml`; schema files are resolved against the file's folder. */
export function readSupergraphConfig(path: string): SubgraphSource[] {
  const config = SupergraphConfig.parse(parseYaml(readFileSync(path, 'utf8')));
  return Object.entries(config.subgraphs).map(([name, subgraph]) => ({
    name,
    url: subgraph.routing_url,
    typeDefs: readFileSync(resolve(dirname(path), subgraph.schema.file), 'utf8'),
  }));
}

/** Thrown when the subgraphs do not compose; `errors` holds every composition error message. */
export class CompositionError extends Error {
  constructor(readonly errors: string[]) {
    super(`the subgraphs do not compose:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
  }
}

/** Composes the subgraphs into a supergraph SDL or throws a {@link CompositionError}. */
export function composeSupergraph(subgraphs: SubgraphSource[]): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.typeDefs) })));
  if (result.errors) throw new CompositionError(result.errors.map((e) => e.message));
  return result.supergraphSdl;
}

/**
 * The API schema of a supergraph as clients see it: no `join__`/`link__` machinery, no
 * authorization directives, with `@defer` (the router serves it). Clients generate their types
 * from it (the web client's `codegen.yml` entry).
 */
export function apiSchemaSdl(supergraphSdl: string): string {
  const api = Supergraph.build(forGateway(supergraphSdl)).apiSchema();
  return `${printSchema(api.toGraphQLJSSchema({ includeDefer: true }))}\n`;
}

/** Returns the same subgraphs with their routing URLs replaced (tests on ephemeral ports). */
export function withUrls(subgraphs: SubgraphSource[], urls: Record<string, string>): SubgraphSource[] {
  return subgraphs.map((s) => ({ ...s, url: urls[s.name] ?? s.url }));
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultSupergraphConfig = resolve(repoRoot, 'supergraph.yaml');
/** The API schema the web client is generated from. */
export const defaultApiSchemaFile = resolve(repoRoot, 'web/schema.graphql');
export { defaultSupergraphFile };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [configPath = defaultSupergraphConfig, outPath = defaultSupergraphFile, apiOutPath = defaultApiSchemaFile] =
    process.argv.slice(2);
  try {
    const supergraphSdl = composeSupergraph(readSupergraphConfig(configPath));
    writeFileSync(outPath, supergraphSdl);
    writeFileSync(apiOutPath, apiSchemaSdl(supergraphSdl));
    console.log(`composed ${configPath} -> ${outPath} (API schema: ${apiOutPath})`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
