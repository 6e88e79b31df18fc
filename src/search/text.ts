/**
 * Plain text of TestPlanIt's rich-text fields (TipTap/ProseMirror JSON, sometimes stored as a
 * JSON string), the way its search indexing reads them: text nodes concatenated in order.
 */
export function plainText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') {
    const trimmed = value.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return nodeText(JSON.parse(value));
      } catch {
        return value;
      }
    }
    return value;
  }
  return nodeText(value);
}

function nodeText(node: unknown): string {
  if (node === null || node === undefined) return '';
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return node.map(nodeText).join('');
  if (typeof node !== 'object') return '';
  const { text, content } = node as { text?: unknown; content?: unknown };
  if (typeof text === 'string') return text;
  return Array.isArray(content) ? content.map(nodeText).join('') : '';
}

/** Joins the non-empty parts with single spaces. */
export function joinText(...parts: Array<string | null | undefined>): string {
  return parts.filter((part): part is string => Boolean(part)).join(' ');
}
