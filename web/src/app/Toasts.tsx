import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import './toasts.css';

/** A button on a toast ("Undo"); choosing it also dismisses the toast. */
export interface ToastAction {
  label: string;
  onSelect: () => void;
}

export interface ToastOptions {
  message: string;
  /** `error` toasts are announced assertively and stay until dismissed. */
  tone?: 'info' | 'success' | 'error';
  action?: ToastAction;
  /** How long the toast stays, in ms (default 6000; errors stay until dismissed). */
  durationMs?: number;
}

interface Toast extends ToastOptions {
  id: number;
}

interface ToastApi {
  /** Shows a toast; returns its id, for `dismiss`. */
  show: (toast: ToastOptions) => number;
  dismiss: (id: number) => void;
}

const ToastContext = createContext<ToastApi | null>(null);

/** Toasts for any page below it: `const toasts = useToasts(); toasts.show({ message, action })`. */
export function useToasts(): ToastApi {
  const context = useContext(ToastContext);
  if (!context) throw new Error('useToasts() outside <ToastProvider>');
  return context;
}

/** Holds the toasts and shows them in a corner region that screen readers announce. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => {
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);

  const show = useCallback((toast: ToastOptions) => {
    const id = nextId.current++;
    // A few at most: an older one makes room for the newest.
    setToasts((current) => [...current.slice(-2), { ...toast, id }]);
    return id;
  }, []);

  const api = useMemo(() => ({ show, dismiss }), [show, dismiss]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      <section className="toasts" aria-label="Notifications">
        {toasts.map((toast) => (
          <ToastCard key={toast.id} toast={toast} onDismiss={() => dismiss(toast.id)} />
        ))}
      </section>
    </ToastContext.Provider>
  );
}

function ToastCard({ toast, onDismiss }: { toast: Toast; onDismiss: () => void }) {
  const [paused, setPaused] = useState(false);
  const card = useRef<HTMLDivElement>(null);

  // A toast under the pointer or the keyboard stays until it is left (time to read and act).
  useEffect(() => {
    const element = card.current;
    if (!element) return;
    const pause = () => setPaused(true);
    const resume = () => setPaused(false);
    const events: Array<[string, () => void]> = [
      ['pointerenter', pause],
      ['pointerleave', resume],
      ['focusin', pause],
      ['focusout', resume],
    ];
    for (const [name, listener] of events) element.addEventListener(name, listener);
    return () => {
      for (const [name, listener] of events) element.removeEventListener(name, listener);
    };
  }, []);
  const duration = toast.durationMs ?? (toast.tone === 'error' ? null : 6000);

  useEffect(() => {
    if (duration === null || paused) return;
    const timer = setTimeout(onDismiss, duration);
    return () => clearTimeout(timer);
  }, [duration, paused, onDismiss]);

  return (
    <div
      className={`toast toast-${toast.tone ?? 'info'}`}
      ref={card}
      role={toast.tone === 'error' ? 'alert' : 'status'}
    >
      <span className="toast-message">{toast.message}</span>
      {toast.action && (
        <button
          type="button"
          className="toast-action"
          onClick={() => {
            toast.action?.onSelect();
            onDismiss();
          }}
        >
          {toast.action.label}
        </button>
      )}
      <button type="button" className="toast-close" aria-label="Dismiss notification" onClick={onDismiss}>
        <span aria-hidden="true">×</span>
      </button>
    </div>
  );
}
