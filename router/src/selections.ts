/**
 * What the router's static checks of an operation (operation-cost.ts, rate-limits.ts) read the same
 * way: its fragments by name, and whether `@skip`/`@include` leave a selection out.
 */
import { Kind, valueFromASTUntyped, type DirectiveNode, type DocumentNode, type FragmentDefinitionNode } from 'graphql';

/** The document's fragment definitions, by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/**
 * Whether `@skip`/`@include` leave the selection out (literal or variable conditions). A condition
 * whose value is not a boolean (a variable left out) leaves it in: the checks err towards counting.
 */
export function skipped(
  directives: readonly DirectiveNode[] | undefined,
  variables: Readonly<Record<string, unknown>> | undefined,
): boolean {
  if (!directives || directives.length === 0) return false;
  for (const directive of directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const condition = directive.arguments?.find((argument) => argument.name.value === 'if')?.value;
    const value = condition ? valueFromASTUntyped(condition, variables as Record<string, unknown>) : undefined;
    if (typeof value === 'boolean' && value === (name === 'skip')) return true;
  }
  return false;
}
