/** Python's isoformat() in UTC with "Z": microseconds only when non-zero (2024-05-01T10:11:12.123000Z). */
export function formatDateTime(date: Date): string {
  const iso = date.toISOString();
  const ms = iso.slice(20, 23);
  return ms === '000' ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19)}.${ms}000Z`;
}
