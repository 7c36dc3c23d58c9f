/**
 * An order's status timeline: the steps of the saga (PENDING -> RESERVED -> PAID -> CONFIRMED), each
 * reached one with its time, or CANCELLED with its reason where the order stopped.
 */
export const orderSteps = ['PENDING', 'RESERVED', 'PAID', 'CONFIRMED'] as const;

export interface StatusChange {
  status: string;
  reason?: string | null;
  at: string;
}

export interface TimelineStep {
  status: string;
  /** When the order reached it; undefined for a step still ahead. */
  at?: string;
  reason?: string | null;
  state: 'done' | 'current' | 'ahead' | 'cancelled';
}

/** The steps to show for an order with this history and status. */
export function orderTimeline(history: StatusChange[], status: string): TimelineStep[] {
  const reached = new Map(history.map((change) => [change.status, change]));
  if (status === 'CANCELLED') {
    const steps: TimelineStep[] = history
      .filter((c) => c.status !== 'CANCELLED')
      .map((c) => ({ status: c.status, at: c.at, state: 'done' as const }));
    const cancelled = reached.get('CANCELLED');
    steps.push({ status: 'CANCELLED', at: cancelled?.at, reason: cancelled?.reason, state: 'cancelled' });
    return steps;
  }
  return orderSteps.map((step) => {
    const change = reached.get(step);
    if (step === status) return { status: step, at: change?.at, state: step === 'CONFIRMED' ? 'done' : 'current' };
    return change ? { status: step, at: change.at, state: 'done' } : { status: step, state: 'ahead' };
  });
}

/** Whether the buyer may still cancel (any status before CONFIRMED). */
export const cancellable = (status: string) => status === 'PENDING' || status === 'RESERVED' || status === 'PAID';

/** Whether the order will not move again (the subscription completes there). */
export const finalStatus = (status: string) => status === 'CONFIRMED' || status === 'CANCELLED';
