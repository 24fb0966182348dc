// Service-generated eventIds in Azure's shape: 32 lowercase hex, '-', 5 alphanumerics
// (azure-api.md §3, e.g. 0861c9b9af9340379a70d40ceccd2cdf-aAGky).
import { randomBytes, randomUUID } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function generateEventId(): string {
  const bytes = randomBytes(5);
  let suffix = '';
  // 256 % 62 ≠ 0, so a modulo is slightly biased; fine for a suffix whose only job is to look like Azure's.
  for (const b of bytes) suffix += ALPHANUMERIC[b % ALPHANUMERIC.length];
  return `${randomUUID().replaceAll('-', '')}-${suffix}`;
}

export const GENERATED_EVENT_ID = /^[0-9a-f]{32}-[A-Za-z0-9]{5}$/;
