import type { ServiceDescriptor } from '@order-platform/shared';

/** Every service the migrator knows, loaded on demand. */
export const services: Record<string, () => Promise<ServiceDescriptor>> = {
  'analytics-service': async () => (await import('analytics-service/descriptor')).descriptor,
  'notification-service': async () => (await import('notification-service/descriptor')).descriptor,
  'order-service': async () => (await import('order-service/descriptor')).descriptor,
  'payment-service': async () => (await import('payment-service/descriptor')).descriptor,
  'stock-service': async () => (await import('stock-service/descriptor')).descriptor,
};
