// The DOM helpers every page uses. Every value from the API reaches the page through
// textContent or an attribute set by the DOM (el() below), never through innerHTML, so nothing
// the API returns is parsed as markup.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** Builds an element; children that are strings become text nodes (escaped by the DOM). */
export function el(tag: string, attrs: Record<string, string | boolean | ((e: Event) => void)> = {}, ...children: (Node | string | undefined | false)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') e.addEventListener(k, v);
    else if (v === true) e.setAttribute(k, '');
    else if (v !== false) e.setAttribute(k, v);
  }
  for (const c of children) if (c !== undefined && c !== false) e.append(c);
  return e;
}

export const main = () => document.getElementById('main')!;
export const showStatus = (text: string) => { document.getElementById('status')!.textContent = text; };

export function show(title: string, ...content: Node[]): void {
  document.title = `${title} - Site Recovery console`;
  main().replaceChildren(el('h1', { tabindex: '-1' }, title), ...content);
}

export function healthBadge(health: string | undefined): HTMLElement {
  return el('span', { class: `badge ${String(health ?? 'None').toLowerCase()}` }, health ?? 'None');
}

export function duration(seconds: number | undefined): string {
  if (seconds === undefined || seconds === null) return '-';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** 1536 → "1.5 KiB": bytes as an operator reads them. */
export function byteSize(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

/** A modal confirmation that says what will happen; resolves true on Confirm (Escape or Cancel: false). */
export function confirmDialog(title: string, says: string, fields: Node[]): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = el('dialog', { 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-says' }) as HTMLDialogElement;
    const form = el('form', { method: 'dialog' },
      el('h2', { id: 'confirm-title' }, title), el('p', { id: 'confirm-says' }, `This will ${says}.`), ...fields,
      el('div', { class: 'buttons' }, el('button', { value: 'cancel', type: 'submit', formnovalidate: true }, 'Cancel'), el('button', { value: 'confirm', type: 'submit', class: 'primary' }, 'Confirm')));
    dialog.append(form);
    dialog.addEventListener('close', () => { dialog.remove(); resolve(dialog.returnValue === 'confirm'); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
