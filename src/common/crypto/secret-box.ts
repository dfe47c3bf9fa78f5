import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SecretKeyring } from './secret-keyring';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {}

/**
 * AES-256-GCM for secrets at rest. A sealed value reads `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url).
 * The key id and the caller's associated data (e.g. the row id) are authenticated, so a ciphertext copied
 * to another row, or re-labelled with another key id, fails to open.
 */
@Injectable()
export class SecretBox {
  constructor(private readonly keyring: SecretKeyring) {}

  seal(plaintext: string, associatedData: string): string {
    const { id, key } = this.keyring.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(id, associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, id, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(sealed: string, associatedData: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError('not a sealed secret');
    const [, keyId, ivText, ciphertextText, tagText] = parts;
    const entry = this.keyring.find(keyId);
    if (!entry) throw new SecretBoxError(`sealed with unknown key ${keyId}`);
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('malformed sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', entry.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(keyId, associatedData));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('sealed secret failed authentication');
    }
  }

  /** True when the value was sealed with a key other than the current one (re-encrypt on next write). */
  needsRotation(sealed: string): boolean {
    return sealed.split('.')[1] !== this.keyring.current.id;
  }
}

function aad(keyId: string, associatedData: string): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${associatedData}`, 'utf8');
}
