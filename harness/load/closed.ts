import { errorMessage } from '../host/errors.ts';
import { nowNs } from '../measure/clock.ts';
import { createHistogram } from '../measure/histogram.ts';
import type { Envelope } from '../transports/types.ts';
import type { DrivingProducer, LoadModel, LoadOutcome, LoadTarget } from './types.ts';

const drives = (producer: LoadTarget['producer']): producer is DrivingProducer => 'drive' in producer;

/** Closed loop: batches of `batch` ids, at most `inflight` batches awaiting the transport's acceptance. */
export function closed({ batch, inflight }: { batch: number; inflight: number }): LoadModel {
  return {
    name: 'closed',
    params: { batch, inflight },
    spec: { model: 'closed', batch, inflight },
    prepare: async () => {},
    async run(target: LoadTarget): Promise<LoadOutcome> {
      if (drives(target.producer)) return target.producer.drive(target, inflight);
      const acceptLatency = createHistogram();
      const startNs = nowNs();
      const measuredFrom = target.measuredFrom ?? target.from;
      let measuredStartNs = measuredFrom <= target.from ? startNs : 0;
      let next = target.from;
      let sendErrors = 0;
      let firstSendError: string | undefined;
      const more = () => next < target.to && !target.signal.aborted && (target.untilNs === undefined || nowNs() < target.untilNs);
      const sender = async () => {
        while (more()) {
          const from = next;
          const to = Math.min(from + batch, target.to);
          next = to;
          const sentAtNs = nowNs();
          if (measuredStartNs === 0 && to > measuredFrom) measuredStartNs = sentAtNs;
          const envelopes: Envelope[] = [];
          for (let id = from; id < to; id++) envelopes.push({ id, sentAtNs, payload: target.payload });
          try {
            await (envelopes.length === 1 ? target.producer.send(envelopes[0]!) : target.producer.sendBatch(envelopes));
            if (from >= measuredFrom) acceptLatency.recordValue(Math.max(1, nowNs() - sentAtNs));
            for (let id = from; id < to; id++) target.accepted(id);
          } catch (error) {
            sendErrors += to - from;
            firstSendError ??= errorMessage(error);
          }
        }
      };
      await Promise.all(Array.from({ length: inflight }, sender));
      return { startNs, measuredStartNs: measuredStartNs || startNs, endNs: nowNs(), sent: next - target.from, sendErrors, firstSendError, acceptLatency };
    },
  };
}
