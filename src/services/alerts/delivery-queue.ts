import type { ChannelWithSecrets } from './channel-store.js';
import type { Notice } from './channels/message.js';

/** Notices waiting per channel before new ones are refused (a channel that stays down must not grow memory). */
export const MAX_QUEUED_PER_CHANNEL = 100;

type Send = (channel: ChannelWithSecrets, notice: Notice) => Promise<unknown>;
type Refuse = (channel: ChannelWithSecrets, notice: Notice) => Promise<unknown>;

interface Lane {
  pending: Array<{ channel: ChannelWithSecrets; notice: Notice }>;
  running: Promise<void>;
}

/**
 * In-process delivery queue: one lane per channel, worked in order, lanes independent. A
 * channel whose receiver hangs (each attempt up to its timeout, with retries) only delays its
 * own later notices; evaluation and the other channels go on. A full lane refuses the notice
 * through `refuse`, so the refusal is stored like any other outcome.
 */
export class DeliveryQueue {
  private readonly lanes = new Map<number, Lane>();
  private closed = false;

  constructor(
    private readonly send: Send,
    private readonly refuse: Refuse,
  ) {}

  /** Queues a notice for a channel; false when the lane was full (the notice is refused) or the queue is closed. */
  enqueue(channel: ChannelWithSecrets, notice: Notice): boolean {
    if (this.closed) return false;
    const lane = this.lanes.get(channel.id);
    if (lane && lane.pending.length >= MAX_QUEUED_PER_CHANNEL) {
      void this.refuse(channel, notice).catch(() => undefined);
      return false;
    }
    if (lane) {
      lane.pending.push({ channel, notice });
      return true;
    }
    const fresh: Lane = { pending: [{ channel, notice }], running: Promise.resolve() };
    this.lanes.set(channel.id, fresh);
    fresh.running = this.work(channel.id, fresh);
    return true;
  }

  private async work(id: number, lane: Lane): Promise<void> {
    await Promise.resolve(); // let enqueue return before the first send starts
    for (let next = lane.pending.shift(); next; next = lane.pending.shift()) {
      // send stores its own outcome and never throws for a delivery failure; anything else must not kill the lane.
      await this.send(next.channel, next.notice).catch(() => undefined);
    }
    this.lanes.delete(id);
  }

  /** Resolves when every lane is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.lanes.size > 0) await Promise.all([...this.lanes.values()].map((l) => l.running));
  }

  /** Refuses new notices, drops the waiting ones and waits for the deliveries in progress. */
  async close(): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes.values()) lane.pending.length = 0;
    await this.idle();
  }
}
