import { parseEncryptionKeys } from '../../config/encryption-keys';
import { SecretBox, SecretBoxError } from './secret-box';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');

const box = (current?: string, others?: string) => new SecretBox(parseEncryptionKeys(current, others));

describe('SecretBox', () => {
  it('round-trips and never repeats a ciphertext', () => {
    const a = box(KEY_A);
    const first = a.seal('tok_live_123', 'row-1');
    const second = a.seal('tok_live_123', 'row-1');
    expect(first).not.toEqual(second);
    expect(first).not.toContain('tok_live_123');
    expect(a.open(first, 'row-1')).toBe('tok_live_123');
    expect(a.open(second, 'row-1')).toBe('tok_live_123');
  });

  it('writes the key id into every ciphertext', () => {
    const a = box(KEY_A);
    const [version, keyId] = a.seal('x', 'row').split('.');
    expect(version).toBe('v1');
    expect(keyId).toMatch(/^[0-9a-f]{12}$/);
  });

  it('binds the associated data: a ciphertext moved to another row does not open', () => {
    const a = box(KEY_A);
    expect(() => a.open(a.seal('secret', 'row-1'), 'row-2')).toThrow(SecretBoxError);
  });

  it.each([
    ['ciphertext', 3],
    ['tag', 4],
    ['iv', 2],
  ])('rejects a tampered %s', (_, index) => {
    const a = box(KEY_A);
    const parts = a.seal('a longer secret value', 'row').split('.');
    const bytes = Buffer.from(parts[index], 'base64url');
    bytes[0] ^= 0x01;
    parts[index] = bytes.toString('base64url');
    expect(() => a.open(parts.join('.'), 'row')).toThrow(SecretBoxError);
  });

  it('rejects a re-labelled key id and malformed input', () => {
    const a = box(KEY_A, `old:${KEY_B}`);
    const sealed = a.seal('secret', 'row');
    const oldId = box(KEY_B).seal('x', 'y').split('.')[1];
    const relabelled = sealed.split('.');
    relabelled[1] = oldId;
    expect(() => a.open(relabelled.join('.'), 'row')).toThrow(SecretBoxError);
    expect(() => a.open('plaintext', 'row')).toThrow(SecretBoxError);
    expect(() => a.open('v1.abc.def', 'row')).toThrow(SecretBoxError);
  });

  it('decrypts with a rotated key kept in ENCRYPTION_KEYS and encrypts with the current one', () => {
    const before = box(KEY_A);
    const sealedWithA = before.seal('old secret', 'row');
    const after = box(KEY_B, `previous:${KEY_A}`);
    expect(after.open(sealedWithA, 'row')).toBe('old secret');
    expect(after.needsRotation(sealedWithA)).toBe(true);
    const resealed = after.seal('old secret', 'row');
    expect(after.needsRotation(resealed)).toBe(false);
    expect(box(KEY_B).open(resealed, 'row')).toBe('old secret');
  });

  it('cannot decrypt once the key is rotated out of the keyring', () => {
    const sealedWithA = box(KEY_A).seal('old secret', 'row');
    expect(() => box(KEY_B).open(sealedWithA, 'row')).toThrow(/unknown key/);
  });
});
