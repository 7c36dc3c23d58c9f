/**
 * A validation rule bounding how deep an operation nests selections (fragments followed), so one
 * request cannot fan out into an unbounded plan. Introspection fields (`__schema`, ...) are not
 * counted: Sandbox's introspection query is deep by nature and cheap.
 */
import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';

export function depthLimit(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map(
      context
        .getDocument()
        .definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );

    function depthOf(set: SelectionSetNode | undefined, seen: Set<string>): number {
      if (!set) return 0;
      let deepest = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value.startsWith('__')) continue;
          deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, seen));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) continue; // unknown or cyclic: other rules report it
          deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...seen, name])));
        }
      }
      return deepest;
    }

    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(
              `The operation is ${depth} levels deep; the limit is ${maxDepth}. Split it or select fewer nested fields.`,
              { nodes: [operation], extensions: { code: 'QUERY_TOO_DEEP' } },
            ),
          );
        }
      },
    };
  };
}
