import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * `docker compose up -d --no-deps --no-recreate --scale <worker>=N <worker>`: starts or stops
 * replicas of the worker only. `--no-recreate` leaves running replicas alone; `--no-deps` keeps
 * compose from starting the worker's dependencies again (it would re-run the migrator).
 */
export function composeScaleCommand(composeCommand: string, composeService: string, replicas: number): string[] {
  return [...words(composeCommand), 'up', '-d', '--no-deps', '--no-recreate', '--scale', `${composeService}=${replicas}`, composeService];
}

export async function scaleComposeService(composeCommand: string, composeService: string, replicas: number): Promise<void> {
  const [file, ...args] = composeScaleCommand(composeCommand, composeService, replicas);
  await run(file!, args).catch((error: Error & { stderr?: string }) => {
    throw new Error(`${[file, ...args].join(' ')} failed: ${(error.stderr || error.message).trim()}`);
  });
}

/** Running replicas of a compose service (`docker compose ps -q <service>`). */
export async function countComposeReplicas(composeCommand: string, composeService: string): Promise<number> {
  const [file, ...args] = [...words(composeCommand), 'ps', '-q', composeService];
  const { stdout } = await run(file!, args);
  return stdout.split('\n').filter((line) => line.trim()).length;
}

function words(command: string): string[] {
  return command.trim().split(/\s+/);
}
