import { checkParameters, formatOf, placeholdersOf, render } from './template-text';

const orderUpdate = [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.' }];
const reminder = [
  { type: 'HEADER', format: 'TEXT', text: 'Reminder' },
  { type: 'BODY', text: 'Hello {{customer_name}}, see you on {{date}}.' },
  { type: 'FOOTER', text: 'Reply STOP to unsubscribe' },
];

describe('template text', () => {
  it('finds placeholders per component, positional ones in numeric order', () => {
    expect(placeholdersOf([{ type: 'BODY', text: '{{2}} then {{1}} then {{10}} and {{2}}' }], 'POSITIONAL')).toEqual({ BODY: ['1', '2', '10'] });
    expect(placeholdersOf(reminder, 'NAMED')).toEqual({ BODY: ['customer_name', 'date'] });
  });

  it('recognizes named templates', () => {
    expect(formatOf(['Hi {{1}}'])).toBe('POSITIONAL');
    expect(formatOf(['Hi {{name}}', 'x'])).toBe('NAMED');
  });

  it('renders header, body and footer with the values', () => {
    expect(render(orderUpdate, { 1: 'Sanne', 2: 'A-1042' })).toBe('Hi Sanne, your order A-1042 has shipped.');
    expect(render(reminder, { customer_name: 'Sanne', date: 'Friday' })).toBe(
      'Reminder\n\nHello Sanne, see you on Friday.\n\nReply STOP to unsubscribe',
    );
  });

  it('accepts exactly the placeholders', () => {
    expect(checkParameters('POSITIONAL', ['1', '2'], ['Sanne', 'A-1042'])).toEqual({ ok: true, values: { 1: 'Sanne', 2: 'A-1042' } });
    expect(checkParameters('NAMED', ['customer_name', 'date'], { date: 'Fri', customer_name: 'S' }).ok).toBe(true);
  });

  it.each([
    ['too few', 'POSITIONAL', ['1', '2'], ['Sanne'], { missing: ['2'], unexpected: [] }],
    ['too many', 'POSITIONAL', ['1', '2'], ['a', 'b', 'c'], { missing: [], unexpected: ['3'] }],
    ['an empty value', 'POSITIONAL', ['1', '2'], ['a', '  '], { missing: ['2'], unexpected: [] }],
    ['a missing name', 'NAMED', ['customer_name', 'date'], { customer_name: 'S' }, { missing: ['date'], unexpected: [] }],
    ['a wrong name', 'NAMED', ['customer_name'], { name: 'S' }, { missing: ['customer_name'], unexpected: ['name'] }],
    ['a list for a named template', 'NAMED', ['customer_name'], ['S'], { missing: ['customer_name'], unexpected: ['1'] }],
  ] as const)('refuses %s', (_, format, expected, given, problems) => {
    const check = checkParameters(format, [...expected], given as string[] | Record<string, string>);
    expect(check).toMatchObject({ ok: false, expected, ...problems });
  });

  it('refuses an object for a positional template even with the right keys', () => {
    expect(checkParameters('POSITIONAL', ['1'], { 1: 'x' }).ok).toBe(false);
  });
});
