/**
 * Hostile-input limits on an operation document, checked before anything walks it expanded.
 *
 * A kilobyte of text can stand for 2^26 selections: `query { ...F0 } fragment F0 on Query { ...F1
 * ...F1 } … fragment F26 on Query { __typename }`. Whatever inlines fragments pays for the
 * expansion — the authorization narrowing (authorization.ts), the query planner — so the limits are
 * measured on the expanded operation, but without expanding it: one pass over the text outlines each
 * operation and fragment once, then each fragment's measure is worked out once and reused at every
 * spread of it. The cost is linear in the document's size, whatever it expands to.
 *
 * - depth: nesting of fields, fragments followed. Introspection fields (`__schema`, `__type`,
 *   `__typename`) do not count: Sandbox's introspection query is deep by nature and cheap.
 * - selections: fields, inline fragments and fragment spreads, fragments expanded.
 * - aliases: aliased fields, fragments expanded (each alias runs its field once more).
 * - fragment spreads: fragments expanded (graphql-js compares the fragments of a selection set pairwise).
 * - root fields: fields of the operation's root selection set (through inline fragments and
 *   fragments spread there), fragments expanded: each is a separate entry point the planner plans
 *   and a subgraph runs (100 aliased `reprocessDocument` in one mutation are 100 jobs).
 * - directives: directives used anywhere in the operation (its own, its variables', its
 *   selections'), fragments expanded: each is evaluated where it stands, and graphql-js validates
 *   their arguments one by one.
 *
 * Operations are held to all of them; fragments, used or not, to the counts too (graphql-js
 * validates unused fragments all the same). The token limit is the parser's own (`maxTokens`): the
 * text is bounded before it is parsed.
 */
import { GraphQLError, Kind, type DocumentNode, type SelectionSetNode, type ValidationRule } from 'graphql';

export interface DocumentLimits {
  /** Lexical tokens in the operation text (the parser stops past it). */
  maxTokens: number;
  /** Nesting of fields, fragments followed. */
  maxDepth: number;
  /** Fields, inline fragments and fragment spreads once fragments are expanded. */
  maxSelections: number;
  /** Aliased fields once fragments are expanded. */
  maxAliases: number;
  /** Fragment spreads once fragments are expanded. */
  maxFragmentSpreads: number;
  /** Fields of the root selection set once fragments are expanded. */
  maxRootFields: number;
  /** Directives used in the operation once fragments are expanded. */
  maxDirectives: number;
}

/**
 * The router's defaults (`ROUTER_MAX_*`). Sandbox's introspection query is 240 selections and 10
 * fragment spreads (its depth does not count). graphql-js validates the worst documents inside them
 * (hundreds of fields sharing one response name, which its OverlappingFieldsCanBeMergedRule compares
 * pairwise) in 10-15 ms of CPU; that cost grows with the square of `maxSelections` and of
 * `maxFragmentSpreads`. The web client's largest screen asks for 4 root fields and uses a handful of
 * `@include`/`@skip`/`@defer`.
 */
export const defaultDocumentLimits: DocumentLimits = {
  maxTokens: 5_000,
  maxDepth: 15,
  maxSelections: 400,
  maxAliases: 30,
  maxFragmentSpreads: 40,
  maxRootFields: 20,
  maxDirectives: 50,
};

/** What a definition asks for once its fragments are expanded. Counts stop just past their limit. */
interface Measure {
  depth: number;
  selections: number;
  aliases: number;
  spreads: number;
  /** Fields at the top of the definition's selection set (the root fields of an operation). */
  roots: number;
  directives: number;
}

/** A definition as written: its own selections, and the fragments it spreads at which field depth. */
interface Outline {
  own: Measure;
  /**
   * `depth`: the depth the fragment's fields have in place of the spread; null inside introspection.
   * `top`: spread at the top of the definition (its fields are root fields of an operation).
   */
  spreads: { fragment: string; depth: number | null; top: boolean }[];
}

function outlineOf(selectionSet: SelectionSetNode, directives: number): Outline {
  const own: Measure = { depth: 0, selections: 0, aliases: 0, spreads: 0, roots: 0, directives };
  const spreads: Outline['spreads'] = [];
  // Selection sets still to read, with the depth of the fields directly in them (null: not counted)
  // and whether they are at the top of the definition (not inside a field).
  // A work list rather than recursion: nesting is bounded only by the token limit.
  const pending: [SelectionSetNode, number | null, boolean][] = [[selectionSet, 1, true]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [set, depth, top] = next;
    for (const selection of set.selections) {
      own.selections++;
      own.directives += selection.directives?.length ?? 0;
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) own.aliases++;
        if (top) own.roots++;
        const counted = depth !== null && !selection.name.value.startsWith('__') ? depth : null;
        if (counted !== null) own.depth = Math.max(own.depth, counted);
        if (selection.selectionSet) pending.push([selection.selectionSet, counted === null ? null : counted + 1, false]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        pending.push([selection.selectionSet, depth, top]);
      } else {
        own.spreads++;
        spreads.push({ fragment: selection.name.value, depth, top });
      }
    }
  }
  return { own, spreads };
}

/** One operation or fragment of a document, as error messages name it. */
interface Definition {
  label: string;
  outline: Outline;
}

/** A definition's measure, fragments expanded. */
interface Measured {
  label: string;
  measure: Measure;
  /** Depth is an operation's: a fragment's depth depends on where it is spread (if anywhere). */
  operation: boolean;
}

/**
 * The measure of every operation and fragment of `document`, fragments expanded, operations first.
 * Each fragment is measured once, after the fragments it spreads (depth first, with a stack of its
 * own: fragment chains are bounded only by the token limit). A spread of an unknown fragment, or
 * one closing a cycle, counts nothing here: graphql-js's own rules report those.
 */
function measureDocument(document: DocumentNode, limits: DocumentLimits): Measured[] {
  const fragments = new Map<string, Definition>();
  const operations: Definition[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      const name = definition.name.value;
      const directives = definition.directives?.length ?? 0;
      fragments.set(name, { label: `Fragment "${name}"`, outline: outlineOf(definition.selectionSet, directives) });
    } else if (definition.kind === Kind.OPERATION_DEFINITION) {
      const label = definition.name ? `Operation "${definition.name.value}"` : 'The operation';
      let directives = definition.directives?.length ?? 0;
      for (const variable of definition.variableDefinitions ?? []) directives += variable.directives?.length ?? 0;
      operations.push({ label, outline: outlineOf(definition.selectionSet, directives) });
    }
  }

  const measured = new Map<string, Measure>();
  const cap = (count: number, limit: number) => Math.min(count, limit + 1);
  const expand = ({ own, spreads }: Outline): Measure => {
    const total = { ...own };
    for (const spread of spreads) {
      const inner = measured.get(spread.fragment);
      if (!inner) continue;
      if (spread.depth !== null && inner.depth > 0) total.depth = Math.max(total.depth, spread.depth - 1 + inner.depth);
      total.selections = cap(total.selections + inner.selections, limits.maxSelections);
      total.aliases = cap(total.aliases + inner.aliases, limits.maxAliases);
      total.spreads = cap(total.spreads + inner.spreads, limits.maxFragmentSpreads);
      total.directives = cap(total.directives + inner.directives, limits.maxDirectives);
      if (spread.top) total.roots = cap(total.roots + inner.roots, limits.maxRootFields);
    }
    return total;
  };

  const inProgress = new Set<string>();
  for (const name of fragments.keys()) {
    if (measured.has(name)) continue;
    const stack = [{ name, spreads: fragments.get(name)!.outline.spreads, next: 0 }];
    inProgress.add(name);
    while (stack.length > 0) {
      const top = stack.at(-1)!;
      const spread = top.spreads[top.next++];
      if (!spread) {
        measured.set(top.name, expand(fragments.get(top.name)!.outline));
        inProgress.delete(top.name);
        stack.pop();
        continue;
      }
      const inner = fragments.get(spread.fragment);
      if (inner && !measured.has(spread.fragment) && !inProgress.has(spread.fragment)) {
        inProgress.add(spread.fragment);
        stack.push({ name: spread.fragment, spreads: inner.outline.spreads, next: 0 });
      }
    }
  }

  return [
    ...operations.map(({ label, outline }) => ({ label, measure: expand(outline), operation: true })),
    ...[...fragments].map(([name, { label }]) => ({ label, measure: measured.get(name)!, operation: false })),
  ];
}

/** The errors refusing `document` (at most one per limit, for the first definition over it); none when it is within them. */
function documentLimitErrors(document: DocumentNode, limits: DocumentLimits): GraphQLError[] {
  const measures = measureDocument(document, limits);
  const over = (count: (measure: Measure) => number, limit: number, operations = false) =>
    measures.find(({ measure, operation }) => (operation || !operations) && count(measure) > limit);
  const errors: GraphQLError[] = [];

  const deep = measures.find(({ measure, operation }) => operation && measure.depth > limits.maxDepth);
  if (deep) {
    errors.push(
      new GraphQLError(
        `${deep.label} is ${deep.measure.depth} levels deep; the limit is ${limits.maxDepth}. Split it or select fewer nested fields.`,
        { extensions: { code: 'QUERY_TOO_DEEP' } },
      ),
    );
  }
  // Root fields are an operation's: a fragment's top fields are root fields only where it is spread at the root.
  const counted: [keyof Measure, number, string, boolean][] = [
    ['selections', limits.maxSelections, 'selections (fields and fragments)', false],
    ['aliases', limits.maxAliases, 'aliases', false],
    ['spreads', limits.maxFragmentSpreads, 'fragment spreads', false],
    ['roots', limits.maxRootFields, 'root fields', true],
    ['directives', limits.maxDirectives, 'directives', false],
  ];
  for (const [key, limit, what, operations] of counted) {
    const large = over((m) => m[key], limit, operations);
    if (!large) continue;
    errors.push(
      new GraphQLError(
        `${large.label} has more than ${limit} ${what} once its fragments are expanded; the limit is ${limit}. Ask for less, or split it.`,
        { extensions: { code: 'QUERY_TOO_COMPLEX' } },
      ),
    );
  }
  return errors;
}

/**
 * A validation rule applying {@link DocumentLimits} (but `maxTokens`: give it to the parser). A
 * document over a limit stops validation there: graphql-js runs every rule in one visit of the
 * document, and a rule's visitor that returns null at the document deletes it from that visit, so
 * the rules after this one never walk a document refused already (OverlappingFieldsCanBeMergedRule
 * costs time quadratic in repeated fields). The document is entered before any of its parts, so
 * the rules that come first only get to look at its list of definitions.
 */
export function documentLimits(limits: DocumentLimits): ValidationRule {
  return (context) => ({
    Document(document) {
      const errors = documentLimitErrors(document, limits);
      if (errors.length === 0) return undefined;
      for (const error of errors) context.reportError(error);
      return null;
    },
  });
}
