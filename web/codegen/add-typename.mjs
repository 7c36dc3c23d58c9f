// The client preset's transform that selects `__typename` everywhere (what Apollo Client's cache
// needs), as a module codegen.yml can name.
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

export const transform = addTypenameSelectionDocumentTransform.transform;
