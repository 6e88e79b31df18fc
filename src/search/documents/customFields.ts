/**
 * Custom field values as TestPlanIt's search documents carry them: a typed value per field type
 * (keyword, number, boolean, date, array) next to a text `value`, and the chosen option(s) of
 * select fields, so its custom-field filters and facets work on our indices.
 */
import { plainText } from '../text';

export interface FieldOptionDocument {
  id: number;
  name: string;
  icon?: { name: string };
  iconColor?: { value: string };
}

export interface CustomFieldDocument {
  fieldId: number;
  fieldName: string;
  fieldType: string;
  value?: string;
  valueKeyword?: string;
  valueNumeric?: number;
  valueBoolean?: boolean;
  valueDate?: string;
  valueArray?: string[];
  fieldOption?: FieldOptionDocument;
  fieldOptions?: FieldOptionDocument[];
}

export interface CustomFieldRow {
  fieldId: number;
  value: unknown;
  field: {
    displayName: string;
    systemName: string;
    type: { type: string } | null;
    fieldOptions: Array<{
      fieldOption: { id: number; name: string; icon: { name: string } | null; iconColor: { value: string } | null };
    }>;
  };
}

function typedValue(fieldType: string, value: unknown): Partial<CustomFieldDocument> {
  switch (fieldType) {
    case 'Checkbox':
      return { valueBoolean: Boolean(value), value: String(value) };
    case 'Date': {
      const when = value ? new Date(String(value)) : undefined;
      return when && !Number.isNaN(when.getTime()) ? { valueDate: when.toISOString(), value: when.toISOString() } : {};
    }
    case 'Number':
    case 'Integer':
      return { valueNumeric: Number(value), value: String(value) };
    case 'Multi-Select': {
      const items = Array.isArray(value) ? value : parseArray(value);
      if (items) return { valueArray: items.map(String), value: items.join(' ') };
      return value ? { value: String(value) } : {};
    }
    case 'Select':
    case 'Dropdown':
    case 'Text String':
    case 'Link':
      return { valueKeyword: String(value), value: String(value) };
    case 'Text Long':
      return value ? { value: plainText(value) } : {};
    default:
      return value === null || value === undefined
        ? {}
        : { value: typeof value === 'string' ? value : JSON.stringify(value) };
  }
}

function parseArray(value: unknown): unknown[] | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function optionDocument(option: CustomFieldRow['field']['fieldOptions'][number]['fieldOption']): FieldOptionDocument {
  return {
    id: option.id,
    name: option.name,
    ...(option.icon ? { icon: { name: option.icon.name } } : {}),
    ...(option.iconColor ? { iconColor: { value: option.iconColor.value } } : {}),
  };
}

/** One document per value that has one; empty values are left out as TestPlanIt leaves them. */
export function customFieldDocuments(rows: CustomFieldRow[]): CustomFieldDocument[] {
  const documents: CustomFieldDocument[] = [];
  for (const row of rows) {
    const fieldType = row.field.type?.type ?? row.field.systemName;
    const document: CustomFieldDocument = {
      fieldId: row.fieldId,
      fieldName: row.field.displayName,
      fieldType,
      ...typedValue(fieldType, row.value),
    };
    if (document.value === undefined || document.value === '') continue;
    if ((fieldType === 'Select' || fieldType === 'Dropdown') && row.value !== null) {
      const chosen = row.field.fieldOptions.find((assignment) => assignment.fieldOption.id === Number(row.value));
      if (chosen) document.fieldOption = optionDocument(chosen.fieldOption);
    }
    if (fieldType === 'Multi-Select')
      document.fieldOptions = row.field.fieldOptions.map((assignment) => optionDocument(assignment.fieldOption));
    documents.push(document);
  }
  return documents;
}

/** The words of the custom fields that TestPlanIt's full-text field contains. */
export function customFieldText(fields: CustomFieldDocument[]): string {
  return fields
    .map((field) => {
      switch (field.fieldType) {
        case 'Select':
        case 'Dropdown':
          return field.fieldOption?.name ?? '';
        case 'Multi-Select':
          return (field.fieldOptions ?? [])
            .filter((option) => field.valueArray?.includes(String(option.id)))
            .map((option) => option.name)
            .join(' ');
        case 'Checkbox':
          return field.valueBoolean ? field.fieldName : '';
        case 'Number':
        case 'Integer':
          return field.valueNumeric === undefined ? '' : String(field.valueNumeric);
        case 'Date':
          return field.valueDate ?? '';
        default:
          return field.value ?? field.valueKeyword ?? '';
      }
    })
    .filter(Boolean)
    .join(' ');
}
