/**
 * The orders' dead-letter stream (`deadLetters`): events the platform gave up on, oldest first, each
 * with why, and `replayDeadLetter` to send one again once what broke it is fixed.
 */
import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { formatDateTime } from '../format.ts';
import { graphql } from '../gql/index.ts';
import { formatLetterText } from './dead-letter-text.ts';

export const DeadLettersQuery = graphql(`
  query DeadLetters {
    deadLetters(last: 50) {
      id
      eventId
      topic
      group
      error
      reason
      deliveries
      payload
      occurredAt
      deadAt
    }
  }
`);

const ReplayDeadLetterMutation = graphql(`
  mutation ReplayDeadLetter($id: String!) {
    replayDeadLetter(id: $id) {
      id
    }
  }
`);

const reasonText = (reason: string) =>
  reason === 'CONTENT' ? 'The event cannot succeed as it is' : 'Failed on every delivery (likely a bug)';

export function DeadLetters() {
  const { data, error, loading, refetch } = useQuery(DeadLettersQuery, { fetchPolicy: 'cache-and-network' });
  const [replay, replayState] = useMutation(ReplayDeadLetterMutation);
  const [replayError, setReplayError] = useState<unknown>();
  const [replayed, setReplayed] = useState<string | undefined>();

  async function replayLetter(id: string) {
    setReplayError(undefined);
    setReplayed(undefined);
    try {
      await replay({ variables: { id } });
      setReplayed(id);
    } catch (e) {
      setReplayError(e);
    }
    await refetch().catch(() => undefined);
  }

  const letters = data?.deadLetters ?? [];
  return (
    <section className="panel" aria-labelledby="dead-letters">
      <div className="row spread">
        <h2 id="dead-letters">Dead letters</h2>
        <button
          type="button"
          className="secondary"
          disabled={loading}
          onClick={() => void refetch()}
          aria-label="Refresh dead letters"
        >
          Refresh
        </button>
      </div>
      <ErrorMessage error={error} />
      <ErrorMessage error={replayError} />
      {replayed && <p role="status">Dead letter {replayed} sent again.</p>}
      {loading && !data && <p aria-busy="true">Loading…</p>}
      {data && letters.length === 0 && <p className="muted">No dead letters: every event was handled.</p>}
      <ul className="lines" aria-label="Dead letters">
        {letters.map((letter) => (
          <li key={letter.id} className="admin-item">
            <div className="stack wide">
              <strong>
                {letter.topic} → {letter.group}
              </strong>
              <dl className="facts">
                <dt>Letter</dt>
                <dd>{letter.id}</dd>
                <dt>Reason</dt>
                <dd>{reasonText(letter.reason)}</dd>
                <dt>Deliveries</dt>
                <dd>{letter.deliveries}</dd>
                <dt>Occurred</dt>
                <dd>{formatDateTime(letter.occurredAt)}</dd>
                <dt>Gave up</dt>
                <dd>{formatDateTime(letter.deadAt)}</dd>
              </dl>
              <details open>
                <summary>Last error</summary>
                <pre className="stored-text" tabIndex={0}>
                  {formatLetterText(letter.error)}
                </pre>
              </details>
              <details>
                <summary>Payload of event {letter.eventId}</summary>
                <pre className="stored-text" tabIndex={0}>
                  {formatLetterText(letter.payload)}
                </pre>
              </details>
            </div>
            <button
              type="button"
              disabled={replayState.loading}
              aria-label={`Replay dead letter ${letter.id}`}
              onClick={() => replayLetter(letter.id)}
            >
              Replay
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
