/** `docker images [--force]`: the service images built from this host's packages, for the Docker provider and compose, and the Node base for docker/Dockerfile. */
import { ServiceError } from '../host/errors.ts';
import { dockerEngineAnswers } from '../services/docker.ts';
import { buildLocalImages } from '../services/images.ts';
import { SERVICE_KINDS } from '../services/types.ts';

export async function dockerImagesCommand(options: { force?: boolean }): Promise<void> {
  if (!(await dockerEngineAnswers())) throw new ServiceError('no Docker engine answered: start one (dockerd, or set DOCKER_HOST), then run this again');
  for (const image of await buildLocalImages(['node', ...SERVICE_KINDS], { force: options.force })) {
    process.stdout.write(`${image.ref} (also ${image.versionRef}): ${image.built ? 'built' : 'up to date'}, content ${image.content}\n`);
  }
}
