import { createKeyEntry, SecretKeyring } from '../common/crypto/secret-keyring';
import { ConfigError } from './config-error';

function decodeKey(variable: string, base64: string): Buffer {
  const trimmed = base64.trim();
  const key = Buffer.from(trimmed, 'base64');
  // Buffer.from silently skips junk, so insist on a canonical round trip.
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== trimmed.replace(/=+$/, '')) {
    throw new ConfigError(variable, 'must be the base64 encoding of exactly 32 bytes');
  }
  return key;
}

/**
 * ENCRYPTION_KEY is the current key. ENCRYPTION_KEYS (`label:base64,...`) holds keys that can still
 * decrypt; when ENCRYPTION_KEY is unset its first entry is the current key. Ciphertexts name their key
 * by a fingerprint, so a key keeps decrypting wherever it is listed.
 */
export function parseEncryptionKeys(current: string | undefined, others: string | undefined): SecretKeyring {
  const entries = [];
  if (current !== undefined) entries.push(createKeyEntry('current', decodeKey('ENCRYPTION_KEY', current)));
  const labels = new Set<string>();
  for (const part of (others ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const separator = part.indexOf(':');
    const label = separator > 0 ? part.slice(0, separator).trim() : '';
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(label)) {
      throw new ConfigError('ENCRYPTION_KEYS', 'entries must look like label:base64 (label of letters, digits, "_", "." or "-")');
    }
    if (labels.has(label)) throw new ConfigError('ENCRYPTION_KEYS', `label "${label}" appears twice`);
    labels.add(label);
    entries.push(createKeyEntry(label, decodeKey('ENCRYPTION_KEYS', part.slice(separator + 1))));
  }
  if (entries.length === 0) throw new ConfigError('ENCRYPTION_KEY', 'is required');
  return new SecretKeyring(entries);
}
