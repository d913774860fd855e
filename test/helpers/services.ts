import { afterAll, beforeAll } from 'vitest';
import { provisionServices, type ServiceSet } from '../../harness/services/provision.ts';

/** Native Redis, RabbitMQ and Postgres for the whole test file; call the result inside a test to get them. */
export function nativeServicesForFile(): () => ServiceSet {
  let services: ServiceSet | undefined;
  beforeAll(async () => {
    services = await provisionServices(['redis', 'rabbitmq', 'postgres'], 'native');
  });
  afterAll(async () => {
    await services?.stop();
  });
  return () => services!;
}

/** An abort signal that never fires, for samples run to completion. */
export const never = new AbortController().signal;
