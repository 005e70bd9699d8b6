/** Python's isoformat() in UTC with "Z": microseconds only when non-zero (2024-05-01T10:11:12.123000Z). */
export function formatDateTime(date: Date): string {
  return formatIsoTimestamp(date.toISOString());
}

/** The same, from Date.prototype.toISOString's fixed form (YYYY-MM-DDTHH:MM:SS.sssZ). */
export function formatIsoTimestamp(iso: string): string {
  const ms = iso.slice(20, 23);
  return ms === '000' ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19)}.${ms}000Z`;
}
