import type { Editor } from '@tiptap/core';
import { useEditorState } from '@tiptap/react';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { isAllowedUrl } from '../../../src/editor/document-schema.ts';

export type UrlRequest = { kind: 'link'; initial: string } | { kind: 'image' } | null;

interface ToolbarProps {
  editor: Editor;
  urlRequest: UrlRequest;
  onUrlRequest: (request: UrlRequest) => void;
}

/** Marks, links and block types for the selection; every button has a name and a pressed state. */
export function EditorToolbar({ editor, urlRequest, onUrlRequest }: ToolbarProps) {
  const active = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      strike: e.isActive('strike'),
      code: e.isActive('code'),
      link: e.isActive('link'),
      h2: e.isActive('heading', { level: 2 }),
      h3: e.isActive('heading', { level: 3 }),
      bulletList: e.isActive('bulletList'),
      orderedList: e.isActive('orderedList'),
      taskList: e.isActive('taskList'),
      blockquote: e.isActive('blockquote'),
      codeBlock: e.isActive('codeBlock'),
    }),
  });

  const button = (name: string, label: ReactNode, pressed: boolean | undefined, run: () => void, shortcut?: string) => (
    <button
      type="button"
      className="tool"
      aria-label={name}
      aria-pressed={pressed}
      title={shortcut ? `${name} (${shortcut})` : name}
      onMouseDown={(event) => event.preventDefault()}
      onClick={run}
    >
      {label}
    </button>
  );

  const chain = () => editor.chain().focus();
  return (
    <div className="editor-toolbar-wrap">
      <div className="editor-toolbar" role="toolbar" aria-label="Formatting">
        {button('Bold', 'B', active.bold, () => chain().toggleBold().run(), 'Ctrl+B')}
        {button('Italic', 'I', active.italic, () => chain().toggleItalic().run(), 'Ctrl+I')}
        {button('Strikethrough', 'S', active.strike, () => chain().toggleStrike().run(), 'Ctrl+Shift+S')}
        {button('Inline code', '</>', active.code, () => chain().toggleCode().run(), 'Ctrl+E')}
        {button('Link', <LinkIcon />, active.link, () =>
          onUrlRequest({ kind: 'link', initial: String(editor.getAttributes('link').href ?? '') }),
        )}
        <span className="tool-separator" aria-hidden="true" />
        {button('Heading 2', 'H2', active.h2, () => chain().toggleHeading({ level: 2 }).run())}
        {button('Heading 3', 'H3', active.h3, () => chain().toggleHeading({ level: 3 }).run())}
        {button('Bullet list', '•', active.bulletList, () => chain().toggleBulletList().run())}
        {button('Numbered list', '1.', active.orderedList, () => chain().toggleOrderedList().run())}
        {button('Task list', '☑', active.taskList, () => chain().toggleTaskList().run())}
        {button('Quote', '❝', active.blockquote, () => chain().toggleBlockquote().run())}
        {button('Code block', '{ }', active.codeBlock, () => chain().toggleCodeBlock().run())}
        {button('Divider', '—', undefined, () => chain().setHorizontalRule().run())}
        {button('Image', <ImageIcon />, undefined, () => onUrlRequest({ kind: 'image' }))}
      </div>
      {urlRequest && <UrlForm editor={editor} request={urlRequest} onDone={() => onUrlRequest(null)} />}
    </div>
  );
}

const ICON = {
  width: 16,
  height: 16,
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 2,
  strokeLinecap: 'round',
  strokeLinejoin: 'round',
  'aria-hidden': true,
} as const;

function LinkIcon() {
  return (
    <svg {...ICON} aria-hidden="true">
      <path d="M10 13a5 5 0 0 0 7.07 0l3-3a5 5 0 0 0-7.07-7.07l-1.5 1.5" />
      <path d="M14 11a5 5 0 0 0-7.07 0l-3 3a5 5 0 0 0 7.07 7.07l1.5-1.5" />
    </svg>
  );
}

function ImageIcon() {
  return (
    <svg {...ICON} aria-hidden="true">
      <rect x="3" y="3" width="18" height="18" rx="2" />
      <circle cx="9" cy="9" r="2" />
      <path d="m21 15-5-5L5 21" />
    </svg>
  );
}

function UrlForm({
  editor,
  request,
  onDone,
}: {
  editor: Editor;
  request: NonNullable<UrlRequest>;
  onDone: () => void;
}) {
  const [value, setValue] = useState(request.kind === 'link' ? request.initial : '');
  const [error, setError] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const label = request.kind === 'link' ? 'Link address' : 'Image address';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const url = value.trim();
    if (request.kind === 'link' && url === '') {
      editor.chain().focus().extendMarkRange('link').unsetLink().run();
      onDone();
      return;
    }
    if (url === '' || !isAllowedUrl(url)) {
      setError('Use an http(s) or mailto address, or a relative one.');
      return;
    }
    if (request.kind === 'link') {
      const chain = editor.chain().focus().extendMarkRange('link');
      if (editor.state.selection.empty && !editor.isActive('link')) {
        chain.insertContent({ type: 'text', text: url, marks: [{ type: 'link', attrs: { href: url } }] }).run();
      } else {
        chain.setLink({ href: url }).run();
      }
    } else {
      editor.chain().focus().setImage({ src: url }).run();
    }
    onDone();
  };

  return (
    <form className="url-form" onSubmit={submit}>
      <label className="visually-hidden" htmlFor="editor-url">
        {label}
      </label>
      <input
        id="editor-url"
        ref={input}
        type="text"
        inputMode="url"
        placeholder={request.kind === 'link' ? 'https://… (empty removes the link)' : 'https://…/picture.png'}
        value={value}
        onChange={(event) => {
          setValue(event.target.value);
          setError('');
        }}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            onDone();
            editor.commands.focus();
          }
        }}
      />
      <button type="submit" className="button button-primary">
        {request.kind === 'link' ? 'Apply link' : 'Insert image'}
      </button>
      <button
        type="button"
        className="button button-quiet"
        onClick={() => {
          onDone();
          editor.commands.focus();
        }}
      >
        Cancel
      </button>
      {error && (
        <p className="url-form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
