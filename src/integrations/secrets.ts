/**
 * TestPlanIt stores integration credentials and OAuth tokens encrypted with its ENCRYPTION_KEY:
 * AES-256-GCM, key = PBKDF2-SHA256(ENCRYPTION_KEY, salt, 100,000 iterations), stored as
 * base64(salt[32] | iv[16] | tag[16] | ciphertext).
 */
import { createDecipheriv, pbkdf2Sync } from 'node:crypto';

const SALT = 32;
const IV = 16;
const TAG = 16;

export function decryptSecret(encrypted: string, masterKey: string): string {
  const combined = Buffer.from(encrypted, 'base64');
  if (combined.length <= SALT + IV + TAG) throw new Error('encrypted value is too short');
  const salt = combined.subarray(0, SALT);
  const iv = combined.subarray(SALT, SALT + IV);
  const tag = combined.subarray(SALT + IV, SALT + IV + TAG);
  const key = pbkdf2Sync(masterKey, salt, 100_000, 32, 'sha256');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(combined.subarray(SALT + IV + TAG)), decipher.final()]).toString('utf8');
}
