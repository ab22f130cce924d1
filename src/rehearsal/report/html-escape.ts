/**
 * @module rehearsal/report/html-escape
 * Everything in a report that came from the event log is user- or service-controlled (route names,
 * log lines, gate reasons): it goes into the page only through these functions.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text for an HTML element or a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)
}

/**
 * JSON for an inline `<script type="application/json">`: `<`, `>` and `&` become `\u003c` etc., so
 * no `</script>` or `<!--` can end or confuse the block, and U+2028/U+2029 are escaped too (they
 * end a line in older JavaScript parsers). `JSON.parse` reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/**
 * A third-party script or stylesheet inlined into the page: the sequences that would end its
 * element early (`</script`, `</style`) or switch the HTML parser's script state (`<!--`) are
 * broken up in a way that means the same inside JavaScript strings and regular expressions.
 */
export function inlineAsset(source: string, element: 'script' | 'style'): string {
  const closing = new RegExp(`</(${element})`, 'gi')
  const safe = source.replace(closing, '<\\/$1')
  return element === 'script' ? safe.replace(/<!--/g, '<\\!--') : safe
}
