/**
 * Kubernetes as the engine: the manifests of a distributed run. Agents are a StatefulSet behind a headless Service,
 * so that each has a stable DNS name (hopbench-agent-0.hopbench-agent.<ns>.svc.cluster.local); the coordinator is a
 * Job whose --agents list is those names. The token and the service URLs come from a Secret the user creates (no
 * secret is ever written into a manifest). Every container has requests and limits.
 */
export interface RenderOptions {
  readonly agents: number;
  readonly image: string;
  readonly namespace: string;
  /** The Secret holding token, REDIS_URL, AMQP_URL, DATABASE_URL. */
  readonly secret: string;
  /** The coordinator's `bench` arguments (scenario and flags), without --agents and --services. */
  readonly bench: readonly string[];
  readonly port: number;
  readonly cpu: string;
  readonly memory: string;
}

export const AGENT_NAME = 'hopbench-agent';
const LABELS = { 'app.kubernetes.io/name': 'hopbench', 'app.kubernetes.io/component': 'agent' };

/** The agents' stable URLs, as the coordinator reaches them. */
export const agentUrls = (options: Pick<RenderOptions, 'agents' | 'namespace' | 'port'>): string[] =>
  Array.from({ length: options.agents }, (_, index) => `http://${AGENT_NAME}-${index}.${AGENT_NAME}.${options.namespace}.svc.cluster.local:${options.port}`);

function container(name: string, options: RenderOptions, args: readonly string[]) {
  return {
    name,
    image: options.image,
    args: [...args],
    env: [{ name: 'HOPBENCH_AGENT_TOKEN', valueFrom: { secretKeyRef: { name: options.secret, key: 'token' } } }],
    // REDIS_URL, AMQP_URL, DATABASE_URL: whichever the Secret holds (a run uses those its transports need).
    envFrom: [{ secretRef: { name: options.secret } }],
    resources: { requests: { cpu: options.cpu, memory: options.memory }, limits: { cpu: options.cpu, memory: options.memory } },
  };
}

export function renderManifests(options: RenderOptions): { apiVersion: 'v1'; kind: 'List'; items: object[] } {
  const metadata = (name: string, component: string) => ({ name, namespace: options.namespace, labels: { ...LABELS, 'app.kubernetes.io/component': component } });
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(AGENT_NAME, 'agent'),
    spec: { clusterIP: 'None', selector: LABELS, ports: [{ name: 'control', port: options.port, targetPort: options.port }] },
  };
  const agents = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(AGENT_NAME, 'agent'),
    spec: {
      serviceName: AGENT_NAME,
      replicas: options.agents,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          containers: [
            {
              ...container('agent', options, ['agent', '--listen', `0.0.0.0:${options.port}`]),
              ports: [{ name: 'control', containerPort: options.port }],
              readinessProbe: { tcpSocket: { port: options.port }, periodSeconds: 2 },
            },
          ],
        },
      },
    },
  };
  const coordinator = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata('hopbench-coordinator', 'coordinator'),
    spec: {
      // The coordinator exits 2 while an agent is not up yet: the Job tries again.
      backoffLimit: 6,
      template: {
        metadata: { labels: { ...LABELS, 'app.kubernetes.io/component': 'coordinator' } },
        spec: {
          restartPolicy: 'Never',
          containers: [container('coordinator', options, ['bench', ...options.bench, '--agents', agentUrls(options).join(','), '--services', 'external', '--out', '/tmp/results'])],
        },
      },
    },
  };
  return { apiVersion: 'v1', kind: 'List', items: [service, agents, coordinator] };
}
