import type { ReactNode } from 'react';

/** One settings card: what it is about on the left (above on small screens), the controls beside. */
export function SettingsSection({
  id,
  title,
  description,
  children,
}: {
  id: string;
  title: string;
  description: ReactNode;
  children: ReactNode;
}) {
  return (
    <section id={id} className="settings-section" aria-labelledby={`${id}-title`}>
      <div className="settings-section-intro">
        <h2 id={`${id}-title`}>{title}</h2>
        <p className="muted">{description}</p>
      </div>
      <div className="settings-section-body">{children}</div>
    </section>
  );
}
