/** Pure document-shaping logic: rich text, custom field values, versioned index names. */
import { customFieldDocuments, customFieldText, type CustomFieldRow } from '../src/search/documents/customFields';
import { versionedIndexName } from '../src/search/indexLifecycle';
import { plainText } from '../src/search/text';

const doc = (text: string) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

function field(type: string, value: unknown, options: Array<{ id: number; name: string }> = []): CustomFieldRow {
  return {
    fieldId: 1,
    value,
    field: {
      displayName: type,
      systemName: type.toLowerCase(),
      type: { type },
      fieldOptions: options.map((option) => ({ fieldOption: { ...option, icon: { name: 'flag' }, iconColor: null } })),
    },
  };
}

test('plain text of TipTap JSON, JSON strings and plain strings', () => {
  expect(plainText(doc('Open the page'))).toBe('Open the page');
  expect(plainText(JSON.stringify(doc('From a string')))).toBe('From a string');
  expect(plainText('not json {')).toBe('not json {');
  expect(plainText('{broken json')).toBe('{broken json');
  expect(plainText(null)).toBe('');
});

test('custom field values are typed per field type, empty ones left out', () => {
  const options = [
    { id: 7, name: 'High' },
    { id: 8, name: 'Low' },
  ];
  const [select, multi, checkbox, number, long, date] = customFieldDocuments([
    field('Select', 8, options),
    field('Multi-Select', [7, 8], options),
    field('Checkbox', true),
    field('Number', 4.5),
    field('Text Long', doc('Preconditions')),
    field('Date', '2026-11-22T10:00:00.000Z'),
    field('Text String', ''),
  ]);
  expect(select).toMatchObject({
    valueKeyword: '8',
    value: '8',
    fieldOption: { id: 8, name: 'Low', icon: { name: 'flag' } },
  });
  expect(multi).toMatchObject({
    valueArray: ['7', '8'],
    value: '7 8',
    fieldOptions: [{ name: 'High' }, { name: 'Low' }],
  });
  expect(checkbox).toMatchObject({ valueBoolean: true, value: 'true' });
  expect(number).toMatchObject({ valueNumeric: 4.5 });
  expect(long).toMatchObject({ value: 'Preconditions' });
  expect(date).toMatchObject({ valueDate: '2026-11-22T10:00:00.000Z' });
  expect(customFieldText([select!, multi!, checkbox!, number!, long!])).toBe('Low High Low Checkbox 4.5 Preconditions');
});

test('versioned index names are stable per rebuild and distinct across rebuilds', () => {
  const at = new Date('2026-11-22T15:04:05.000Z');
  const name = versionedIndexName('testplanit-acme-issues', at, 'acme/reindex/issues/run-1');
  expect(name).toMatch(/^testplanit-acme-issues-v20261122150405-[0-9a-f]{8}$/);
  expect(versionedIndexName('testplanit-acme-issues', at, 'acme/reindex/issues/run-1')).toBe(name);
  expect(versionedIndexName('testplanit-acme-issues', at, 'acme/reindex/issues/run-2')).not.toBe(name);
});
