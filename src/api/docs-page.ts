/** Escapes text for HTML element content and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Operation {
  summary?: string;
  'x-nasd-role'?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content: { 'application/json': { schema: unknown } } };
}

/**
 * A readable, script-free page listing every operation of the OpenAPI document (served at /api/docs;
 * the machine-readable document is /api/openapi.json).
 */
export function docsPage(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  const rows: string[] = [];
  for (const [p, ops] of Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [method, op] of Object.entries(ops)) {
      const params = (op.parameters ?? []).map((x) => `${x.name} (${x.in}${x.required ? ', required' : ''})`).join(', ');
      const body = op.requestBody ? `<pre>${escapeHtml(JSON.stringify(op.requestBody.content['application/json'].schema, null, 2))}</pre>` : '';
      rows.push(
        `<section><h3><code>${method.toUpperCase()} ${escapeHtml(p)}</code> <small>${escapeHtml(op['x-nasd-role'] ?? '')}</small></h3>` +
          `<p>${escapeHtml(op.summary ?? '')}</p>${params ? `<p>Parameters: ${escapeHtml(params)}</p>` : ''}${body}</section>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>nasd API</title>
<style>body{font:14px/1.4 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}section{border-top:1px solid #ddd;padding:.5rem 0}pre{background:#f5f5f5;padding:.5rem;overflow:auto}small{color:#666}</style>
</head><body><h1>nasd admin API</h1><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>. Authenticate with <code>Authorization: Bearer &lt;accessToken&gt;</code> from <code>POST /api/auth/login</code>.</p>
${rows.join('\n')}</body></html>`;
}
