/**
 * The child's side of the IPC channel. `process.disconnect()` right after `process.send()` can drop a large
 * message still being written (a report with big counters): `disconnectWhenSent` waits for the last send.
 */
let lastSend: Promise<void> = Promise.resolve();

export function sendToCoordinator(message: unknown): void {
  if (!process.connected) return;
  lastSend = new Promise<void>((resolve) => process.send!(message as object, undefined, {}, () => resolve()));
}

export function disconnectWhenSent(): void {
  void lastSend.then(() => process.connected && process.disconnect());
}
