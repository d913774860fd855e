#!/usr/bin/env node
/** hopbench's command line: a thin parser onto typed options; every command's work lives in its own module. */
import { Command, CommanderError, Option } from 'commander';
import { HopbenchError, errorMessage } from './errors.ts';
import { cleanupAll, installSignalHandlers } from './lifecycle.ts';
import { servicesUp } from './commands/services-up.ts';
import { PROVIDER_NAMES } from './services/types.ts';

export const servicesOption = () =>
  new Option('--services <mode>', 'where Redis, RabbitMQ and Postgres come from').choices(['auto', ...PROVIDER_NAMES]).default('auto');

function buildProgram(): Command {
  const program = new Command('hopbench')
    .description('Benchmark message-delivery architectures for Node.js on your own hardware')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') });

  program
    .command('services')
    .description('manage the services hopbench uses')
    .command('up')
    .description('start Redis, RabbitMQ and Postgres, print their URLs, keep them up until Ctrl-C')
    .addOption(servicesOption())
    .action((options: { services: 'auto' | (typeof PROVIDER_NAMES)[number] }) => servicesUp(options.services));

  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  installSignalHandlers();
  try {
    await buildProgram().parseAsync(argv);
    return 0;
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
