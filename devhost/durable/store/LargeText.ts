/**
 * Table properties hold at most 64 KiB (32K UTF-16 characters); a longer text is split over
 * `Name`, `Name_1`, `Name_2`, ... (an entity holds up to 1 MiB).
 */
const CHUNK = 30000;

export function putText(entity: Record<string, unknown>, name: string, text: string | undefined): void {
  if (text === undefined) return;
  for (let i = 0, n = 0; i < text.length || n === 0; i += CHUNK, n++) entity[n === 0 ? name : `${name}_${n}`] = text.slice(i, i + CHUNK);
}

export function getText(entity: Record<string, unknown>, name: string): string | undefined {
  const first = entity[name];
  if (typeof first !== 'string') return undefined;
  let text = first;
  for (let n = 1; typeof entity[`${name}_${n}`] === 'string'; n++) text += entity[`${name}_${n}`] as string;
  return text;
}
