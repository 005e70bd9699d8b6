import type { ReactNode } from 'react';

/** What a list shows when it has nothing: a picture, a heading, and what to do next. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <svg className="empty-state-art" viewBox="0 0 64 64" width="56" height="56" aria-hidden="true">
        <rect
          x="14"
          y="8"
          width="36"
          height="48"
          rx="5"
          fill="var(--surface-2)"
          stroke="var(--border)"
          strokeWidth="2"
        />
        <path d="M22 22h20M22 30h20M22 38h12" stroke="var(--text-muted)" strokeWidth="3" strokeLinecap="round" />
      </svg>
      <h2>{title}</h2>
      {children}
    </div>
  );
}
