import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { domainStreams } from '@order-platform/shared';
import { eventually, startServiceUnderTest, uniqueNamespace, type ServiceUnderTest } from '@order-platform/shared/testing';
import * as order from 'order-service/api';
import * as orderWorker from 'order-service/worker';
import * as orderConfig from 'order-service/config';
import { descriptor as orderDescriptor } from 'order-service/descriptor';
import * as stock from 'stock-service/api';
import * as stockWorker from 'stock-service/worker';
import * as stockConfig from 'stock-service/config';
import { descriptor as stockDescriptor } from 'stock-service/descriptor';
import * as payment from 'payment-service/api';
import * as paymentWorker from 'payment-service/worker';
import * as paymentConfig from 'payment-service/config';
import { descriptor as paymentDescriptor } from 'payment-service/descriptor';
import * as notification from 'notification-service/api';
import * as notificationWorker from 'notification-service/worker';
import * as notificationConfig from 'notification-service/config';
import { descriptor as notificationDescriptor } from 'notification-service/descriptor';
import { startDirectoryStub } from 'notification-service/customer-directory';
import * as analytics from 'analytics-service/api';
import * as analyticsWorker from 'analytics-service/worker';
import * as analyticsConfig from 'analytics-service/config';
import { descriptor as analyticsDescriptor } from 'analytics-service/descriptor';
import { testLog } from '@order-platform/shared/testing';
// the SMTP sink `make dev` and `make demo` use: a real SMTP server, every mail parsed
import { startMailSink } from '../../../scripts/mail-sink.mjs';

type Sut = ServiceUnderTest<{ url: string; resources: import('@order-platform/shared').Resources; stop(): Promise<void> }, { resources: import('@order-platform/shared').Resources; stop(): Promise<void> }>;
export type ServiceName = 'order' | 'stock' | 'payment' | 'notification' | 'analytics';

export interface SentMail {
  to: string[];
  subject: string;
  text: string;
}

/**
 * Worker processes start through tsx, which on a loaded machine takes a while: wait until every
 * durable consumer of the namespace has a pull request open (a worker is consuming it), rather
 * than letting the first test's own timeout pay for the start-up.
 */
async function workersPulling(sut: Sut): Promise<void> {
  const jsm = await jetstreamManager(sut.api.resources.nc);
  await eventually(
    async () => {
      for (const name of Object.values(domainStreams)) {
        for await (const consumer of jsm.consumers.list(sut.topology.stream(name))) {
          if (consumer.num_waiting === 0) throw new Error(`no worker pulls ${consumer.stream_name} ${consumer.name} yet`);
        }
      }
    },
    { timeoutMs: 120_000, intervalMs: 100 },
  );
}

const workerMain = (name: ServiceName): string => fileURLToPath(new URL(`../../../${name}-service/src/worker/main.ts`, import.meta.url));

export interface System {
  namespace: string;
  services: Record<ServiceName, Sut>;
  urls: Record<ServiceName, string>;
  /** every mail notification-service sent, as the SMTP server received it */
  mails: SentMail[];
  /** only with workers as processes */
  kill(name: ServiceName): Promise<void>;
  restart(name: ServiceName): void;
  close(): Promise<void>;
}

/**
 * Every service in one namespace, each with its own database. Workers run in this
 * process, or as real processes (tsx main.ts) so a test can SIGKILL them.
 */
export async function startSystem(options: { workers: 'in-process' | 'processes' }): Promise<System> {
  const namespace = uniqueNamespace('sys');
  const inProcess = options.workers === 'in-process';
  const start = <C1, C2>(descriptor: typeof orderDescriptor, api: { startApi: never }, worker: { startWorker: never }, config: { loadApiConfig: (e: Record<string, string>) => C1; loadWorkerConfig: (e: Record<string, string>) => C2 }, env: Record<string, string> = {}) =>
    startServiceUnderTest({ descriptor, loadApiConfig: config.loadApiConfig, loadWorkerConfig: config.loadWorkerConfig, startApi: api.startApi, startWorker: worker.startWorker, namespace, worker: inProcess, env }) as Promise<Sut>;
  const mails: SentMail[] = [];
  const sink = await startMailSink({ port: 0, onMail: (mail: SentMail) => mails.push(mail) });
  const directory = await startDirectoryStub({ port: 0, logLevel: 'silent' }, testLog);
  const services = {
    stock: await start(stockDescriptor, stock as never, stockWorker as never, stockConfig),
    order: await start(orderDescriptor, order as never, orderWorker as never, orderConfig),
    // at the tests' 100 ms base delay, 8 s gives a charge 10 deliveries (about 6.5 s), as long
    // as a test needs to see an order while its charge is retried
    payment: await start(paymentDescriptor, payment as never, paymentWorker as never, paymentConfig, { PAYMENT_CHARGE_BUDGET_MS: '8000' }),
    notification: await start(notificationDescriptor, notification as never, notificationWorker as never, notificationConfig, {
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      CUSTOMER_DIRECTORY_URL: directory.url,
    }),
    analytics: await start(analyticsDescriptor, analytics as never, analyticsWorker as never, analyticsConfig),
  };
  const processes = new Map<ServiceName, ChildProcess>();
  const spawnWorker = (name: ServiceName): void => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', workerMain(name)], {
      env: { ...process.env, ...services[name].env, LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    processes.set(name, child);
  };
  if (!inProcess) {
    for (const name of ['stock', 'order', 'payment', 'notification', 'analytics'] as const) spawnWorker(name);
    await workersPulling(services.order);
  }
  const stopProcess = async (name: ServiceName, signal: NodeJS.Signals) => {
    const child = processes.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  return {
    namespace,
    services,
    urls: {
      order: services.order.api.url,
      stock: services.stock.api.url,
      payment: services.payment.api.url,
      notification: services.notification.api.url,
      analytics: services.analytics.api.url,
    },
    mails,
    kill: (name) => stopProcess(name, 'SIGKILL'),
    restart: spawnWorker,
    async close() {
      await Promise.all([...processes.keys()].map((name) => stopProcess(name, 'SIGTERM')));
      for (const s of Object.values(services)) await s.close();
      await directory.stop();
      await sink.close();
    },
  };
}
