/** Wire formats of the envelope. Part of the measured hot path: `npm run bench -- self` times them. */
import type { Envelope } from './types.ts';

const HEADER_BYTES = 12; // u32 id + f64 send time

/** Binary frame for byte-oriented transports (AMQP): 12-byte header, then the UTF-8 payload. */
export function encodeBinary(envelope: Envelope): Buffer {
  const payloadBytes = Buffer.byteLength(envelope.payload);
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
  buffer.writeUInt32LE(envelope.id, 0);
  buffer.writeDoubleLE(envelope.sentAtNs, 4);
  if (payloadBytes > 0) buffer.write(envelope.payload, HEADER_BYTES);
  return buffer;
}

export function decodeBinary(buffer: Buffer): Envelope {
  return { id: buffer.readUInt32LE(0), sentAtNs: buffer.readDoubleLE(4), payload: buffer.toString('utf8', HEADER_BYTES) };
}

/** Object form for job queues whose payload is JSON (BullMQ, pg-boss). */
export interface JobData {
  readonly i: number;
  readonly t: number;
  readonly p: string;
}

export function toJobData(envelope: Envelope): JobData {
  return { i: envelope.id, t: envelope.sentAtNs, p: envelope.payload };
}

export function fromJobData(data: JobData): Envelope {
  return { id: data.i, sentAtNs: data.t, payload: data.p };
}
