/** The PostHog instance PostHog's own notebook nodes link to, when the server names one. */
export function posthogUrl(): string | null {
  const content = document.querySelector('meta[name="posthog-url"]')?.getAttribute('content') ?? '';
  return content === '' ? null : content;
}
