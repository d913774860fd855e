/**
 * Exact per-id delivery accounting. Each consumer counts deliveries per message id in a byte array (one increment
 * in the hot path); the coordinator adds the arrays of every consumer and classifies each id.
 */
export interface DeliveryCounts {
  /** Ids sent. */
  readonly sent: number;
  /** Ids delivered at least once. */
  readonly delivered: number;
  /** Ids sent but never delivered by the deadline. */
  readonly lost: number;
  /** Deliveries beyond the first, over all ids. */
  readonly duplicates: number;
  /** Deliveries of ids that were never sent (corrupt or foreign messages). */
  readonly unexpected: number;
  /** A few lost ids, to help debugging. */
  readonly lostSample: readonly number[];
}

/** A byte per id; saturates at 255 deliveries, which is enough to flag any duplicate. */
export function createDeliveryCounter(ids: number): Uint8Array {
  return new Uint8Array(ids);
}

/**
 * Classifies ids in [from, to): `sentIds` tells which of them the producer really sent (a failed send is not a
 * loss of the transport). Counters come from every consumer.
 */
export function account(counters: readonly Uint8Array[], from: number, to: number, wasSent: (id: number) => boolean): DeliveryCounts {
  let sent = 0;
  let delivered = 0;
  let lost = 0;
  let duplicates = 0;
  let unexpected = 0;
  const lostSample: number[] = [];
  for (let id = from; id < to; id++) {
    let deliveries = 0;
    for (const counter of counters) deliveries += counter[id] ?? 0;
    if (!wasSent(id)) {
      unexpected += deliveries;
      continue;
    }
    sent++;
    if (deliveries === 0) {
      lost++;
      if (lostSample.length < 10) lostSample.push(id);
    } else {
      delivered++;
      duplicates += deliveries - 1;
    }
  }
  return { sent, delivered, lost, duplicates, unexpected, lostSample };
}
