/**
 * Renders TipTap (ProseMirror) JSON, which TestPlanIt stores for system announcements, as email
 * HTML. Only the structure an announcement editor produces is rendered; everything is escaped, and
 * links keep only http(s) and mailto targets.
 */
interface RichNode {
  type?: string;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: Array<{ type?: string; attrs?: Record<string, unknown> }>;
  content?: RichNode[];
}

const BLOCKS: Record<string, string> = {
  paragraph: 'p',
  blockquote: 'blockquote',
  bulletList: 'ul',
  orderedList: 'ol',
  listItem: 'li',
  codeBlock: 'pre',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function safeHref(href: unknown): string | undefined {
  return typeof href === 'string' && /^(https?:|mailto:)/i.test(href) ? escapeHtml(href) : undefined;
}

function renderText(node: RichNode): string {
  let html = escapeHtml(node.text ?? '');
  for (const mark of node.marks ?? []) {
    if (mark.type === 'bold') html = `<strong>${html}</strong>`;
    else if (mark.type === 'italic') html = `<em>${html}</em>`;
    else if (mark.type === 'underline') html = `<u>${html}</u>`;
    else if (mark.type === 'strike') html = `<s>${html}</s>`;
    else if (mark.type === 'code') html = `<code>${html}</code>`;
    else if (mark.type === 'link') {
      const href = safeHref(mark.attrs?.href);
      if (href) html = `<a href="${href}">${html}</a>`;
    }
  }
  return html;
}

function renderNode(node: RichNode): string {
  const inner = (node.content ?? []).map(renderNode).join('');
  switch (node.type) {
    case 'doc':
      return inner;
    case 'text':
      return renderText(node);
    case 'hardBreak':
      return '<br>';
    case 'horizontalRule':
      return '<hr>';
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(node.attrs?.level) || 2));
      return `<h${level}>${inner}</h${level}>`;
    }
    default: {
      const tag = node.type ? BLOCKS[node.type] : undefined;
      return tag ? `<${tag}>${inner}</${tag}>` : inner;
    }
  }
}

export function isRichTextDocument(value: unknown): value is RichNode {
  return typeof value === 'object' && value !== null && (value as RichNode).type === 'doc';
}

export function richTextToHtml(doc: unknown): string | undefined {
  if (!isRichTextDocument(doc)) return undefined;
  const html = renderNode(doc);
  return html.trim() === '' ? undefined : html;
}
