import { expect } from 'chai';
import type { ChannelWithSecrets } from '../../../src/services/alerts/channel-store.js';
import type { Notice } from '../../../src/services/alerts/channels/message.js';
import { DeliveryQueue, MAX_QUEUED_PER_CHANNEL } from '../../../src/services/alerts/delivery-queue.js';

const channel = (id: number) => ({ id, name: `c${id}` }) as unknown as ChannelWithSecrets;
const notice = (n: number) => ({ event: 'opened', alerts: [], pageUrl: null, sentAt: n }) as unknown as Notice;

describe('alerts delivery queue', () => {
  it('works each channel in order, channels independently; a full channel refuses instead of growing', async () => {
    const sent: string[] = [];
    const refused: number[] = [];
    let unblock!: () => void;
    const blocked = new Promise<void>((r) => (unblock = r));
    const queue = new DeliveryQueue(
      async (c, n) => {
        if (c.id === 1) await blocked;
        sent.push(`${c.id}:${n.sentAt}`);
      },
      async (_c, n) => void refused.push(n.sentAt),
    );
    // Channel 1 hangs on its first notice; 1 in progress + MAX waiting fit, the rest are refused.
    expect(queue.enqueue(channel(1), notice(0))).to.equal(true);
    await new Promise((r) => setImmediate(r));
    for (let i = 1; i < MAX_QUEUED_PER_CHANNEL + 3; i++) expect(queue.enqueue(channel(1), notice(i))).to.equal(i <= MAX_QUEUED_PER_CHANNEL);
    expect(queue.enqueue(channel(2), notice(1000))).to.equal(true);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(sent, 'the other channel is not held up').to.deep.equal(['2:1000']);
    expect(refused).to.deep.equal([MAX_QUEUED_PER_CHANNEL + 1, MAX_QUEUED_PER_CHANNEL + 2]);
    unblock();
    await queue.idle();
    expect(sent.slice(1)).to.deep.equal(Array.from({ length: MAX_QUEUED_PER_CHANNEL + 1 }, (_, i) => `1:${i}`));
  });

  it('close drops waiting notices, waits for the one in progress and refuses new ones', async () => {
    const sent: number[] = [];
    let unblock!: () => void;
    const blocked = new Promise<void>((r) => (unblock = r));
    const queue = new DeliveryQueue(
      async (_c, n) => {
        await blocked;
        sent.push(n.sentAt);
      },
      async () => undefined,
    );
    queue.enqueue(channel(1), notice(1));
    queue.enqueue(channel(1), notice(2));
    await new Promise((r) => setImmediate(r));
    const closing = queue.close();
    unblock();
    await closing;
    expect(sent).to.deep.equal([1]);
    expect(queue.enqueue(channel(1), notice(3))).to.equal(false);
  });

  it('a send that throws does not stop the channel', async () => {
    const sent: number[] = [];
    const queue = new DeliveryQueue(
      async (_c, n) => {
        if (n.sentAt === 1) throw new Error('database gone');
        sent.push(n.sentAt);
      },
      async () => undefined,
    );
    queue.enqueue(channel(1), notice(1));
    queue.enqueue(channel(1), notice(2));
    await queue.idle();
    expect(sent).to.deep.equal([2]);
  });
});
