import { isURL } from 'class-validator';
import type { CredentialSpec } from './adapters/channel-adapter';

/** Every vendor may point its API calls elsewhere (regional endpoints, fakes in tests). */
const COMMON_OPTIONAL = ['apiBaseUrl'];

/**
 * Checks credentials against a vendor's spec; returns `{ "credentials.<field>": problem }` (empty when fine).
 * Unknown fields are refused so that a typo never silently leaves a required value unset.
 */
export function credentialProblems(spec: CredentialSpec, credentials: Record<string, unknown>): Record<string, string> {
  const problems: Record<string, string> = {};
  const known = new Set([...spec.required, ...(spec.optional ?? []), ...COMMON_OPTIONAL]);
  for (const [field, value] of Object.entries(credentials)) {
    if (!known.has(field)) problems[`credentials.${field}`] = 'is not a credential of this vendor';
    else if (typeof value !== 'string') problems[`credentials.${field}`] = 'must be a string';
    else if (value.length > 8192) problems[`credentials.${field}`] = 'is too long';
  }
  for (const field of spec.required) {
    const value = credentials[field];
    if (typeof value !== 'string' || value.trim() === '') problems[`credentials.${field}`] = 'is required';
  }
  const base = credentials.apiBaseUrl;
  if (typeof base === 'string' && !isURL(base, { protocols: ['http', 'https'], require_protocol: true, require_tld: false })) {
    problems['credentials.apiBaseUrl'] = 'must be an http(s) URL';
  }
  return problems;
}
