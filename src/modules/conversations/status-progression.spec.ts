import { type DeliveryState, progress } from './status-progression';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 21, 12, minute));
const state = (status: DeliveryState['status'], patch: Partial<DeliveryState> = {}): DeliveryState => ({
  status,
  sentAt: null,
  deliveredAt: null,
  readAt: null,
  failedAt: null,
  ...patch,
});

describe('progress', () => {
  it('moves forward and records the stage time', () => {
    expect(progress(state('sent', { sentAt: at(0) }), { status: 'delivered', timestamp: at(1) })).toEqual(
      state('delivered', { sentAt: at(0), deliveredAt: at(1) }),
    );
  });

  it('a read without delivered sets both (and sent when missing)', () => {
    expect(progress(state('sending'), { status: 'read', timestamp: at(2) })).toEqual(
      state('read', { sentAt: at(2), deliveredAt: at(2), readAt: at(2) }),
    );
  });

  it('never moves backwards, but a late earlier stage fills in its true time', () => {
    const read = state('read', { sentAt: at(0), deliveredAt: at(5), readAt: at(5) });
    expect(progress(read, { status: 'delivered', timestamp: at(3) })).toEqual({ ...read, deliveredAt: at(3) });
    expect(progress(read, { status: 'delivered', timestamp: at(6) })).toBeNull();
    expect(progress(read, { status: 'sent', timestamp: at(0) })).toBeNull();
  });

  it('failed is terminal and never replaces delivered or read', () => {
    expect(progress(state('sent', { sentAt: at(0) }), { status: 'failed', timestamp: at(1) })).toEqual(
      state('failed', { sentAt: at(0), failedAt: at(1) }),
    );
    expect(progress(state('delivered', { deliveredAt: at(1) }), { status: 'failed', timestamp: at(2) })).toBeNull();
    expect(progress(state('read'), { status: 'failed', timestamp: at(2) })).toBeNull();
    expect(progress(state('failed', { failedAt: at(1) }), { status: 'delivered', timestamp: at(2) })).toBeNull();
  });

  it('ignores statuses for inbound messages and repeats', () => {
    expect(progress(state('received'), { status: 'read', timestamp: at(1) })).toBeNull();
    const delivered = state('delivered', { sentAt: at(0), deliveredAt: at(1) });
    expect(progress(delivered, { status: 'delivered', timestamp: at(1) })).toBeNull();
  });
});
