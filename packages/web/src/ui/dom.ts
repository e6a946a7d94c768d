type Attrs = Record<string, string | boolean | number | undefined | ((ev: Event) => void)>;

// Tiny element builder: attributes, event handlers (on*), children. Text is always set as text,
// never as HTML, so message bodies cannot inject markup.
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null | undefined | false)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === "class") el.className = String(v);
    else if (k in el && k !== "list") (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function errorText(e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err?.code && err.message) return err.message.startsWith(err.code) ? err.message : `${err.message} (${err.code})`;
  return err?.message ?? String(e);
}
