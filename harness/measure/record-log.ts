/**
 * An append-only log of (id, sentAtNs, atNs) records, one synchronous write(2) per record. What a process wrote is
 * in the kernel before the write returns, so it survives a SIGKILL of the writer a moment later: the faults
 * scenario counts deliveries (and, for in-memory transports, acceptances) of processes it kills from these logs.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

const FIELDS = 3;
const RECORD_BYTES = FIELDS * Float64Array.BYTES_PER_ELEMENT;

export interface RecordLogWriter {
  append(id: number, sentAtNs: number, atNs: number): void;
  close(): void;
}

export function openRecordLog(path: string): RecordLogWriter {
  const fd = openSync(path, 'a');
  const record = new Float64Array(FIELDS);
  const bytes = new Uint8Array(record.buffer);
  return {
    append(id, sentAtNs, atNs) {
      record[0] = id;
      record[1] = sentAtNs;
      record[2] = atNs;
      writeSync(fd, bytes);
    },
    close: () => closeSync(fd),
  };
}

export interface LogRecord {
  readonly id: number;
  readonly sentAtNs: number;
  readonly atNs: number;
}

/** Every complete record of a log (a record torn by a kill mid-write is ignored); none when the file is absent. */
export function readRecordLog(path: string): LogRecord[] {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const count = Math.floor(buffer.length / RECORD_BYTES);
  const values = new Float64Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + count * RECORD_BYTES));
  return Array.from({ length: count }, (_, index) => ({ id: values[index * FIELDS]!, sentAtNs: values[index * FIELDS + 1]!, atNs: values[index * FIELDS + 2]! }));
}
