#!/usr/bin/env node
/**
 * hopbench's command line: a thin parser onto typed options; every command's work lives in its own module. The
 * scenario flags are generated from the scenarios' own flag schemas (and their help from the registries), so a new
 * flag, scenario or architecture never touches this file.
 */
import { Command, CommanderError, Option } from 'commander';
import { SCENARIOS } from '../scenarios/index.ts';
import { PROFILES } from '../scenarios/profiles.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../reports/exports.ts';
import { SAMPLE_ORDERS, type SampleOrder } from './engine/bench.ts';
import { abCommand, type AbCommandOptions } from './commands/ab.ts';
import { agentCommand, type AgentCommandOptions } from './commands/agent.ts';
import { ORPHAN_MS } from './agent/server.ts';
import { k8sRenderCommand, type K8sRenderOptions } from './commands/k8s.ts';
import { baselineUpdateCommand, type BaselineUpdateOptions } from './commands/baseline.ts';
import { benchCommand } from './commands/bench.ts';
import { compareCommand, type CompareCommandOptions } from './commands/compare.ts';
import { decideCommand, type DecideCommandOptions } from './commands/decide.ts';
import { dockerImagesCommand } from './commands/docker-images.ts';
import { exportCommand } from './commands/export.ts';
import { historyAppendCommand, type HistoryAppendOptions } from './commands/history.ts';
import { reportCommand, type ReportFormat } from './commands/report.ts';
import { selfCommand } from './commands/self.ts';
import { servicesUp } from './commands/services-up.ts';
import { HopbenchError, errorMessage } from './host/errors.ts';
import { cleanupAll, installSignalHandlers } from './host/lifecycle.ts';
import { flagMeta, kebab } from './engine/options.ts';
import { DOCKER_NETWORKS, parseImageOverrides, type DockerNetworkChoice } from './services/docker.ts';
import { PROVIDER_NAMES, type ServicesMode } from './services/types.ts';

const servicesOption = () => new Option('--services <mode>', 'where Redis, RabbitMQ and Postgres come from').choices(['auto', ...PROVIDER_NAMES]).default('auto');

const imageOption = () =>
  new Option(
    '--image <kind=ref>',
    'Docker provider: the image to run for a service, e.g. redis=registry.local/redis:7.4 (repeatable; default: HOPBENCH_<KIND>_IMAGE, the image `npm run docker:images` built here, else the pinned official one)',
  ).argParser((value: string, previous: string[] = []) => [...previous, value]);

const dockerNetworkOption = () =>
  new Option(
    '--docker-network <mode>',
    "Docker provider: host (each container on the host's network, its server on 127.0.0.1 at a free port: measures like native), published (a port published on 127.0.0.1, through Docker's port proxy), or auto: host where the engine's host network is this host's (a local Linux engine), else published",
  )
    .choices([...DOCKER_NETWORKS])
    .default('auto');

/** The Docker provider's options, from `--image` and `--docker-network`. */
const dockerOptions = (options: { image?: string[]; dockerNetwork: DockerNetworkChoice }) => ({ images: parseImageOverrides(options.image ?? []), network: options.dockerNetwork });

const orderOption = () =>
  new Option('--order <order>', "sequential: each point's samples back to back; interleaved: rounds of one sample per point, so each point's samples span the run (default: the profile's, else sequential)").choices([...SAMPLE_ORDERS]);

/** Set by commands whose success has degrees (compare: 1 when it found a regression). */
let exitCode = 0;

/**
 * Every flag any scenario takes, once, with the scenarios that take it and what it does in each (scenarios that
 * describe a flag alike share one entry of the help).
 */
function scenarioOptions(): Option[] {
  const flags = new Map<string, { value: string; helps: Map<string, string[]> }>();
  for (const scenario of Object.values(SCENARIOS)) {
    for (const [key, schema] of Object.entries(scenario.flags)) {
      const { value, help } = flagMeta(schema);
      const entry = flags.get(key) ?? { value, helps: new Map<string, string[]>() };
      entry.helps.set(help, [...(entry.helps.get(help) ?? []), scenario.name]);
      flags.set(key, entry);
    }
  }
  return [...flags].map(([key, { value, helps }]) => new Option(`--${kebab(key)} ${value}`, [...helps].map(([help, names]) => `${names.join(', ')}: ${help}`).join('; ')));
}

function addBench(program: Command): void {
  const names = [...Object.keys(SCENARIOS), 'self'];
  const command = program
    .command('bench')
    .description('run a scenario, or a profile of runs (default: the `default` profile), and write the result JSON and one HTML report')
    .argument('[scenario]', `${names.join(', ')} (self: the harness's own cost)`);
  for (const option of scenarioOptions()) command.addOption(option);
  command
    .addOption(orderOption())
    .option('--profile <name>', `a named set of scenarios and flags (${Object.keys(PROFILES).join(', ')}); flags given here override it`)
    .option('--out <dir>', 'directory for the result JSON', 'results')
    .option('--claims <file>', 'claims data the HTML report judges (default: scenarios/claims.json)')
    .addOption(servicesOption())
    .addOption(imageOption())
    .addOption(dockerNetworkOption())
    .action(async (scenario: string | undefined, options: Record<string, string | undefined> & { out: string; services: ServicesMode; order?: SampleOrder; image?: string[]; dockerNetwork: DockerNetworkChoice }) => {
      if (scenario === 'self') return selfCommand();
      const { out, services, profile, order, claims, image, dockerNetwork, ...flags } = options;
      await benchCommand(scenario, { out, services, docker: dockerOptions({ image, dockerNetwork }), profile, order, claims, flags });
    });
}

function addReport(program: Command): void {
  program
    .command('report')
    .description('build a report (HTML with charts, or Markdown) from result files')
    .argument('<results...>', 'result JSON files, or directories of them')
    .option('--out <file>', 'where to write it (default: beside the first result; Markdown: stdout)')
    .addOption(new Option('--format <format>', 'html or md').choices(['html', 'md']).default('html'))
    .option('--history <file>', 'HTML: add trend charts from a history file (see `history append`)')
    .option('--claims <file>', 'claims data to judge (default: scenarios/claims.json)')
    .action((results: string[], options: { out?: string; format: ReportFormat; history?: string; claims?: string }) => void reportCommand(results, options));
}

function addCompare(program: Command): void {
  program
    .command('compare')
    .description('compare results with a baseline: exit 1 on a significant regression beyond the threshold')
    .argument('<baseline>', 'baseline result JSON file, or a directory of them')
    .argument('<current>', 'current result JSON file, or a directory of them')
    .option('--threshold <percent>', 'relative change below which nothing counts', '10%')
    .option('--alpha <p>', 'significance level of the Mann-Whitney U test on the samples', '0.05')
    .option('--ignore-params <list>', 'params left out when matching points, to A/B runs that differ on purpose (e.g. job,payloadBytes)')
    .option('--host-tolerance <percent>', "how far each figure of the two hosts' fingerprints may differ before the results are not comparable", '25%')
    .option('--strict', 'exit 1 when the results are not comparable (hosts differ, or services were reached another way); default: exit 0 with a warning')
    .addOption(new Option('--format <format>', 'text, md or json').choices(['text', 'md', 'json']).default('text'))
    .action((baseline: string, current: string, options: CompareCommandOptions) => {
      exitCode = compareCommand(baseline, current, options);
    });
}

function addAb(program: Command): void {
  const command = program
    .command('ab')
    .description('A/B regression check on this host: a base ref against the head (or the working tree), interleaved round by round; exit 1 on a significant regression')
    .argument('[scenario]', `${Object.keys(SCENARIOS).join(', ')} (default: the --profile's runs)`)
    .requiredOption('--base <ref>', 'the git ref to compare against (a branch, tag or commit)')
    .option('--head <ref>', 'the git ref to test (default: the working tree, uncommitted changes included)')
    .option('--profile <name>', `the runs both sides make (${Object.keys(PROFILES).join(', ')}; default ci, or none when a scenario is given)`)
    .option('--rounds <n>', 'rounds of one sample per point per side (the samples each side gets)', '6')
    .option('--threshold <percent>', 'relative change below which nothing counts', '10%')
    .option('--alpha <p>', 'significance level of the Mann-Whitney U test on the samples', '0.05')
    .addOption(new Option('--format <format>', 'text, md or json').choices(['text', 'md', 'json']).default('text'))
    .option('--out <dir>', "where each side's results, the logs and the comparison go (a directory ab-<time> in it)", 'results')
    .addOption(servicesOption());
  for (const option of scenarioOptions()) command.addOption(option);
  command.action(async (scenario: string | undefined, options: Record<string, string | undefined>) => {
    const { base, head, profile, rounds, threshold, alpha, format, out, services, ...flags } = options;
    exitCode = await abCommand(scenario, { base, head, profile, rounds, threshold, alpha, format, out, services, flags } as AbCommandOptions);
  });
}

function addDecide(program: Command): void {
  program
    .command('decide')
    .description('which architectures carry a rate at a p99, and at what cost: from capacity results, or a capacity run made now')
    .requiredOption('--rate <n>', 'the rate to carry, messages per second')
    .requiredOption('--p99 <ms>', 'the p99 latency it must stay under, ms (from the intended send time)')
    .option('--durable [level]', 'only architectures whose measured durability is at least this: interval (a crash loses at most about a second; the default when bare) or commit (accepted means on disk)')
    .option('--job <kind>', 'only capacity points of this job kind (a run made now uses it)')
    .option('--results <paths>', 'capacity result files or directories, comma-separated (repeatable); without it the capacity points are measured now', (value: string, previous: string[] = []) => [...previous, value])
    .addOption(new Option('--format <format>', 'text, md or json').choices(['text', 'md', 'json']).default('text'))
    .option('--out <dir>', 'where a capacity run made now writes its result', 'results')
    .addOption(servicesOption())
    .action((options: DecideCommandOptions) => decideCommand(options));
}

function addTracking(program: Command): void {
  program
    .command('export')
    .description('result files as Bencher BMF JSON or github-action-benchmark custom JSON')
    .argument('<results...>', 'result JSON files, or directories of them')
    .addOption(new Option('--format <format>', 'bmf (Bencher), gab-bigger or gab-smaller (github-action-benchmark customBiggerIsBetter / customSmallerIsBetter)').choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .option('--out <file>', 'where to write it (default: stdout)')
    .action((results: string[], options: { format: ExportFormat; out?: string }) => exportCommand(results, options));
  program
    .command('baseline')
    .description('the committed baseline that `compare` checks against')
    .command('update')
    .description('replace the baseline with these result files, or with a fresh run of the profile')
    .argument('[results...]', 'complete result JSON files, or directories of them (default: run the profile now)')
    .option('--dir <dir>', 'the baseline directory', 'results/baseline')
    .addOption(orderOption())
    .option('--profile <name>', 'the profile to run when no results are given', 'ci')
    .addOption(servicesOption())
    .action((results: string[], options: BaselineUpdateOptions) => baselineUpdateCommand(results, options));
  program
    .command('history')
    .description('the record of past runs that the report draws trends from')
    .command('append')
    .description("append the results' medians to the history file, one line per run point")
    .argument('<results...>', 'complete result JSON files, or directories of them')
    .option('--file <file>', 'the history file', 'results/history.jsonl')
    .option('--commit <sha>', 'the commit measured (default: $GITHUB_SHA when set)', process.env.GITHUB_SHA)
    .action((results: string[], options: HistoryAppendOptions) => historyAppendCommand(results, options));
}

function addAgent(program: Command): void {
  program
    .command('agent')
    .description('serve producer and consumer roles to a coordinator on another host (`bench --agents`), until Ctrl-C')
    .requiredOption('--listen <host:port>', 'the address to listen on, and only there (e.g. 10.0.0.5:7400; 0 as the port picks a free one)')
    .option('--token <token>', 'the bearer token every call must carry (default: $HOPBENCH_AGENT_TOKEN); at least 16 characters')
    .option('--orphan-after <s>', 'stop a role its coordinator has not asked about for this many seconds (a coordinator killed or cut off)', String(ORPHAN_MS / 1000))
    .action((options: AgentCommandOptions) => agentCommand(options));
  program
    .command('k8s')
    .description('Kubernetes as the engine')
    .command('render')
    .description('write the manifests of a distributed run: a headless Service and a StatefulSet of agents, a coordinator Job (a v1 List, JSON)')
    .argument('[bench...]', 'after --: what the coordinator runs, as `bench` takes it (default: process); --agents and --services are set')
    .requiredOption('--agents <n>', 'how many agents')
    .requiredOption('--image <ref>', 'the hopbench image (docker/Dockerfile)')
    .option('--namespace <ns>', 'the namespace', 'default')
    .option('--secret <name>', 'the Secret with token, REDIS_URL, AMQP_URL, DATABASE_URL', 'hopbench')
    .option('--port <port>', "the agents' control port", '7400')
    .option('--cpu <cpu>', 'CPU request and limit of each pod', '2')
    .option('--memory <bytes>', 'memory request and limit of each pod', '2Gi')
    .option('--out <file>', 'where to write them (default: stdout)')
    .action((bench: string[], options: K8sRenderOptions) => k8sRenderCommand(bench, options));
}

function addServices(program: Command): void {
  program
    .command('services')
    .description('manage the services hopbench uses')
    .command('up')
    .description('start Redis, RabbitMQ and Postgres, print their URLs, keep them up until Ctrl-C')
    .addOption(servicesOption())
    .addOption(imageOption())
    .addOption(dockerNetworkOption())
    .action((options: { services: ServicesMode; image?: string[]; dockerNetwork: DockerNetworkChoice }) => servicesUp(options.services, dockerOptions(options)));
  program
    .command('docker')
    .description('the Docker provider')
    .command('images')
    .description("build the three service images from this host's Debian packages (no registry needed); cached by content")
    .option('--force', 'rebuild even when an image with the same content exists')
    .action((options: { force?: boolean }) => dockerImagesCommand(options));
}

function buildProgram(): Command {
  const program = new Command('hopbench')
    .description('Benchmark message-delivery architectures for Node.js on your own hardware')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ outputError: (text, write) => write(`hopbench: ${text.split('\n')[0]!.replace(/^error: /, '')} (see --help)\n`) });
  for (const add of [addBench, addReport, addCompare, addAb, addDecide, addTracking, addServices, addAgent]) add(program);
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  installSignalHandlers();
  try {
    await buildProgram().parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof HopbenchError) {
      process.stderr.write(`hopbench: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`hopbench: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : errorMessage(error)}\n`);
    return 1;
  } finally {
    await cleanupAll();
  }
}

process.exitCode = await main(process.argv);
