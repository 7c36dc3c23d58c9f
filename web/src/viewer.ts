/** The signed-in user as the nav and the pages show them. */
import { useQuery } from '@apollo/client/react';
import { useSessionState } from './app-context.tsx';
import { graphql } from './gql/index.ts';

export const ViewerQuery = graphql(`
  query Viewer {
    me {
      id
      displayName
      roles
    }
  }
`);

/** The signed-in user's name and roles (null when signed out). */
export function useViewer() {
  const state = useSessionState();
  const signedIn = state.status === 'signed-in';
  const { data } = useQuery(ViewerQuery, { skip: !signedIn });
  return signedIn ? (data?.me ?? undefined) : undefined;
}
