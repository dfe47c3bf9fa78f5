import type { TemplateComponent } from '../providers/adapters/channel-adapter';
import type { ParameterFormat, Placeholders } from './message-template.entity';

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** Placeholder names in order of first appearance, each once. */
export function placeholdersIn(text: string | undefined): string[] {
  if (!text) return [];
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** The placeholders of every component with text, by component type (HEADER, BODY, FOOTER). */
export function placeholdersOf(components: TemplateComponent[], format: ParameterFormat): Placeholders {
  const result: Placeholders = {};
  for (const component of components) {
    const names = placeholdersIn(component.text);
    if (names.length === 0) continue;
    result[component.type.toUpperCase()] = format === 'POSITIONAL' ? names.sort((a, b) => Number(a) - Number(b)) : names;
  }
  return result;
}

/** NAMED as soon as one placeholder is not a number. */
export function formatOf(texts: (string | undefined)[]): ParameterFormat {
  return texts.flatMap(placeholdersIn).some((name) => !/^\d+$/.test(name)) ? 'NAMED' : 'POSITIONAL';
}

/** What the customer sees: header, body and footer texts with the values filled in. */
export function render(components: TemplateComponent[], values: Record<string, string>): string {
  return ['HEADER', 'BODY', 'FOOTER']
    .map((type) => components.find((c) => c.type.toUpperCase() === type && typeof c.text === 'string')?.text)
    .filter((text): text is string => Boolean(text))
    .map((text) => text.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole))
    .join('\n\n');
}

export type ParameterCheck =
  | { ok: true; values: Record<string, string> }
  | { ok: false; expected: string[]; given: string[]; missing: string[]; unexpected: string[] };

/**
 * Whether the send gives exactly the body's placeholders: a list of that length for positional templates,
 * an object with exactly those names for named ones. Empty values count as missing.
 */
export function checkParameters(
  format: ParameterFormat,
  expected: string[],
  given: string[] | Record<string, string>,
): ParameterCheck {
  const values: Record<string, string> = Array.isArray(given)
    ? Object.fromEntries(given.map((value, i) => [String(i + 1), value]))
    : { ...given };
  const givenNames = Object.keys(values);
  const formMatches = format === 'POSITIONAL' ? Array.isArray(given) : !Array.isArray(given);
  const missing = expected.filter((name) => !values[name]?.trim());
  const unexpected = givenNames.filter((name) => !expected.includes(name));
  if (formMatches && missing.length === 0 && unexpected.length === 0) return { ok: true, values };
  return { ok: false, expected, given: givenNames, missing, unexpected };
}
