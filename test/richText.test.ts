/** Announcement rich text (TipTap JSON) to email HTML: pure logic. */
import { richTextToHtml } from '../src/email/richText';

test('renders the structure an announcement has, escaped', () => {
  const doc = {
    type: 'doc',
    content: [
      { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Maintenance <Friday>' }] },
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: 'Read the ' },
          {
            type: 'text',
            text: 'notes',
            marks: [{ type: 'link', attrs: { href: 'https://status.example/a?b=1&c=2' } }, { type: 'bold' }],
          },
          { type: 'hardBreak' },
          { type: 'text', text: 'x', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] },
        ],
      },
      {
        type: 'bulletList',
        content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] }],
      },
    ],
  };
  expect(richTextToHtml(doc)).toBe(
    '<h2>Maintenance &lt;Friday&gt;</h2>' +
      '<p>Read the <strong><a href="https://status.example/a?b=1&amp;c=2">notes</a></strong><br>x</p>' +
      '<ul><li><p>one</p></li></ul>',
  );
});

test('anything that is not a document, or an empty one, gives no HTML', () => {
  expect(richTextToHtml('plain text')).toBeUndefined();
  expect(richTextToHtml(null)).toBeUndefined();
  expect(richTextToHtml({ type: 'doc', content: [] })).toBeUndefined();
});
