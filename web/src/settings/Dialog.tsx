import { type ReactNode, useEffect, useId, useRef } from 'react';

/**
 * A modal dialog (the browser's own <dialog>: focus kept inside, Escape closes it, the page
 * behind is inert). `onClose` runs when the person dismisses it.
 */
export function Dialog({
  title,
  onClose,
  children,
  tone,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  tone?: 'danger';
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    // Listened to here, not through React: a dialog taken out of the page fires "close" too, and
    // that must not close the one that replaced it.
    const closed = () => onCloseRef.current();
    dialog.addEventListener('close', closed);
    return () => dialog.removeEventListener('close', closed);
  }, []);
  return (
    <dialog ref={ref} className={tone === 'danger' ? 'dialog dialog-danger' : 'dialog'} aria-labelledby={titleId}>
      <h2 id={titleId} className="dialog-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}
