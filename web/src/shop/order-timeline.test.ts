import { describe, expect, it } from 'vitest';
import { cancellable, finalStatus, orderTimeline } from './order-timeline.ts';

const at = (minute: number) => `2026-12-01T10:0${minute}:00.000Z`;

describe('the order timeline', () => {
  it('shows the steps reached with their times and the ones ahead', () => {
    const steps = orderTimeline(
      [
        { status: 'PENDING', at: at(0) },
        { status: 'RESERVED', at: at(1) },
      ],
      'RESERVED',
    );
    expect(steps.map((s) => [s.status, s.state, s.at])).toEqual([
      ['PENDING', 'done', at(0)],
      ['RESERVED', 'current', at(1)],
      ['PAID', 'ahead', undefined],
      ['CONFIRMED', 'ahead', undefined],
    ]);
  });

  it('a confirmed order has every step done', () => {
    const history = ['PENDING', 'RESERVED', 'PAID', 'CONFIRMED'].map((status, i) => ({ status, at: at(i) }));
    expect(orderTimeline(history, 'CONFIRMED').every((s) => s.state === 'done')).toBe(true);
  });

  it('a cancelled order stops where it was cancelled, with the reason', () => {
    const steps = orderTimeline(
      [
        { status: 'PENDING', at: at(0) },
        { status: 'RESERVED', at: at(1) },
        { status: 'CANCELLED', reason: 'PAYMENT_DECLINED', at: at(2) },
      ],
      'CANCELLED',
    );
    expect(steps.map((s) => s.status)).toEqual(['PENDING', 'RESERVED', 'CANCELLED']);
    expect(steps.at(-1)).toEqual({ status: 'CANCELLED', at: at(2), reason: 'PAYMENT_DECLINED', state: 'cancelled' });
  });

  it('can be cancelled until confirmed; confirmed and cancelled are final', () => {
    expect(['PENDING', 'RESERVED', 'PAID', 'CONFIRMED', 'CANCELLED'].map(cancellable)).toEqual([true, true, true, false, false]);
    expect(['PENDING', 'CONFIRMED', 'CANCELLED'].map(finalStatus)).toEqual([false, true, true]);
  });
});
