/**
 * Exact per-id delivery accounting. Each consumer counts deliveries per message id in a byte array (one increment
 * in the hot path); the coordinator adds the arrays of every consumer and classifies each id.
 */
export interface DeliveryCounts {
  /** Ids sent. */
  readonly sent: number;
  /** Ids delivered at least once. */
  readonly delivered: number;
  /** Ids accepted, not delivered by the deadline, and no longer anywhere they could come from: gone. */
  readonly lost: number;
  /** Ids accepted and not delivered by the deadline, but still queued (in the broker, or held by a live consumer). */
  readonly undelivered: number;
  /** Deliveries beyond the first, over all ids. */
  readonly duplicates: number;
  /** Deliveries of ids that were never sent (corrupt or foreign messages). */
  readonly unexpected: number;
  /** A few ids not delivered (lost or undelivered), to help debugging. */
  readonly notDeliveredSample: readonly number[];
  /**
   * Ids whose fate an agent that died took with it (its producer's share, or what its consumer had done): not
   * delivered by anyone who reported, and never counted as sent, lost or queued. Absent: none.
   */
  readonly unknown?: number;
}

/** A byte per id; saturates at 255 deliveries, which is enough to flag any duplicate. */
export function createDeliveryCounter(ids: number): Uint8Array {
  return new Uint8Array(ids);
}

/** Ids [from, to) and which of them the transport accepted (a failed send is not a loss of the transport). */
export interface SentRange {
  readonly from: number;
  readonly to: number;
  readonly wasSent: (id: number) => boolean;
}

/** One consumer's deliveries per id, `counts[0]` standing for id `firstId` (default 0). */
export interface IdCounter {
  readonly firstId?: number;
  readonly counts: Uint8Array;
}

/**
 * Classifies the ids of `ranges` (one per producer, or one for all) by every consumer's counter. `stillQueued`: how many messages the broker (or live in-process consumers) still held at the deadline:
 * that many of the ids not delivered are undelivered, the rest lost. `fateUnknown`: ids an agent that died may have
 * held; those nobody reported delivered are counted `unknown`.
 */
export function accountRanges(counters: readonly IdCounter[], ranges: readonly SentRange[], stillQueued = 0, fateUnknown?: (id: number) => boolean): DeliveryCounts {
  let sent = 0;
  let delivered = 0;
  let notDelivered = 0;
  let duplicates = 0;
  let unexpected = 0;
  let unknown = 0;
  const notDeliveredSample: number[] = [];
  for (const { from, to, wasSent } of ranges) {
    for (let id = from; id < to; id++) {
      let deliveries = 0;
      for (const { firstId = 0, counts } of counters) deliveries += counts[id - firstId] ?? 0;
      if (deliveries === 0 && fateUnknown?.(id)) {
        unknown++;
        continue;
      }
      if (!wasSent(id)) {
        unexpected += deliveries;
        continue;
      }
      sent++;
      if (deliveries === 0) {
        notDelivered++;
        if (notDeliveredSample.length < 10) notDeliveredSample.push(id);
      } else {
        delivered++;
        duplicates += deliveries - 1;
      }
    }
  }
  const undelivered = Math.min(notDelivered, Math.max(0, stillQueued));
  return { sent, delivered, lost: notDelivered - undelivered, undelivered, duplicates, unexpected, notDeliveredSample, ...(unknown ? { unknown } : {}) };
}

/** The same over one range [from, to). */
export const account = (counters: readonly Uint8Array[], from: number, to: number, wasSent: (id: number) => boolean, stillQueued = 0, fateUnknown?: (id: number) => boolean): DeliveryCounts =>
  accountRanges(counters.map((counts) => ({ counts })), [{ from, to, wasSent }], stillQueued, fateUnknown);

/** Several accountings' counts added up (a capacity search's steps; a point's samples), with a few ids not delivered. */
export function sumCounts(parts: readonly DeliveryCounts[]): DeliveryCounts {
  const sum = (key: 'sent' | 'delivered' | 'lost' | 'undelivered' | 'duplicates' | 'unexpected' | 'unknown') => parts.reduce((total, counts) => total + (counts[key] ?? 0), 0);
  const unknown = sum('unknown');
  return {
    sent: sum('sent'),
    delivered: sum('delivered'),
    lost: sum('lost'),
    undelivered: sum('undelivered'),
    duplicates: sum('duplicates'),
    unexpected: sum('unexpected'),
    notDeliveredSample: parts.flatMap((counts) => counts.notDeliveredSample).slice(0, 10),
    ...(unknown ? { unknown } : {}),
  };
}
