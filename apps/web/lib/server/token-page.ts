/** A tiny HTML answer for links followed from an email (confirm, unsubscribe), where JSON would be unreadable. */
export function tokenPage(status: number, title: string, text: string): Response {
  const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title><main style="font-family:system-ui;max-width:36rem;margin:4rem auto"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><a href="/notifications">Notification settings</a></p></main>`;
  return new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}
