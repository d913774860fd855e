import { loadDefinition } from '../registry.ts';
import type { TransportDefinition } from './types.ts';

/** A transport module's default export; consumers import only the transport they run. */
export const loadTransport = (module: string): Promise<TransportDefinition> => loadDefinition<TransportDefinition>(module);
