import type { OrderRecord, OrderRecordsReader } from '@order-platform/shared';
import { findReservation } from '../data/reservations-repository.js';

/**
 * stock-service's facts about an order for the console's timeline: its reservation when first
 * written (with its lines), and its status now, when it has changed since. The reservation keeps
 * its current status only; the steps between are the events in `handled`.
 */
export const reservationRecords: OrderRecordsReader = async (db, orderId) => {
  const reservation = await findReservation(db, orderId);
  if (!reservation) return [];
  const { status, lines, createdAt, updatedAt } = reservation;
  const units = lines.reduce((sum, line) => sum + line.quantity, 0);
  const records: OrderRecord[] = [
    {
      at: createdAt.toISOString(),
      kind: 'reservation',
      summary: status === 'cancelled' ? 'cancellation noted before the order arrived' : `reservation of ${units} unit(s) in ${lines.length} line(s)`,
      details: { lines },
    },
  ];
  if (updatedAt.getTime() !== createdAt.getTime() || status !== 'reserved') {
    records.push({ at: updatedAt.toISOString(), kind: 'reservation-status', summary: `reservation ${status}`, details: { status, lines } });
  }
  return records;
};
