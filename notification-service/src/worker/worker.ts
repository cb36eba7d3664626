import { createDb, startWorkerProcess, type Logger, type RunningWorkerProcess } from '@order-platform/shared';
import { SERVICE, type WorkerConfig } from '../config.js';
import { cachedCustomerDirectory } from '../data/cached-customer-directory.js';
import { httpCustomerDirectory } from '../data/customer-directory.js';
import { DeliveryLedger } from '../data/delivery-ledger.js';
import type { DeliveryChannel } from '../delivery/channel.js';
import { emailChannel } from '../delivery/email-channel.js';
import { webhookChannel } from '../delivery/webhook-channel.js';
import type { DeliveryDeps } from '../domain/deliver-notification.js';
import { MAX_RENDERED_LENGTH } from '../domain/templates.js';
import { RenderPool } from '../rendering/render-pool.js';
import { subscriptions } from './subscriptions.js';

export type { RunningWorkerProcess };

export async function startWorker(config: WorkerConfig, log: Logger, clock: () => Date = () => new Date()): Promise<RunningWorkerProcess> {
  const ledger = createDb(config.databaseUrl, { poolMax: config.autocommitPoolMax, applicationName: `${SERVICE}-worker-ledger`, prepare: true });
  const channels: DeliveryChannel[] = [emailChannel({ smtpUrl: config.smtpUrl, from: config.mailFrom, timeoutMs: config.smtpTimeoutMs })];
  if (config.webhookUrl) channels.push(webhookChannel({ url: config.webhookUrl, secret: config.webhookSecret, timeoutMs: config.webhookTimeoutMs }, clock));
  let renderer: RenderPool | undefined;
  const release = async () => {
    for (const channel of channels) await channel.close();
    await renderer?.close();
    await ledger.destroy();
  };
  try {
    const limits = { timeoutMs: config.renderTimeoutMs, maxLength: MAX_RENDERED_LENGTH, threads: config.renderThreads };
    renderer = await RenderPool.start(limits, log.child({ component: 'render-pool' }));
    const render = renderer.render;
    const worker = await startWorkerProcess(
      {
        service: SERVICE,
        subscriptions: (resources) => {
          const deps: DeliveryDeps = {
            ledger: new DeliveryLedger(ledger),
            directory: cachedCustomerDirectory(
              httpCustomerDirectory(
                {
                  url: config.directoryUrl,
                  timeoutMs: config.directoryTimeoutMs,
                  retries: config.directoryRetries,
                  breakerFailures: config.directoryBreakerFailures,
                  breakerHalfOpenMs: config.directoryBreakerHalfOpenMs,
                },
                log.child({ component: 'customer-directory' }),
                resources.registry,
              ),
              { ttlMs: config.directoryCacheTtlMs, maxEntries: config.directoryCacheSize },
              { registry: resources.registry },
            ),
            channels: Object.fromEntries(channels.map((c) => [c.name, c])),
            routing: { customer: config.customerChannel, staff: config.staffChannel, staffEmail: config.staffEmail },
            render,
            clock,
          };
          return subscriptions(deps);
        },
      },
      config,
      log,
    );
    log.info({ customerChannel: config.customerChannel, staffChannel: config.staffChannel, directory: config.directoryUrl, directoryCacheTtlMs: config.directoryCacheTtlMs, render: limits }, 'notification routing');
    return {
      ...worker,
      async stop() {
        await worker.stop();
        await release();
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}
