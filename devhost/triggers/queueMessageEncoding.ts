/** host.json `extensions.queues.messageEncoding`: Azure's default is base64. */
export type QueueMessageEncoding = 'base64' | 'none';

/**
 * Decodes a message as the host's encoding says. A base64 host receiving text that is not
 * base64 (e.g. written by a tool that does not encode) passes the raw text on instead of failing;
 * `raw` tells the caller so it can say so in the log.
 */
export function decodeQueueMessage(text: string, encoding: QueueMessageEncoding): { text: string; raw: boolean } {
  if (encoding === 'none') return { text, raw: false };
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    const bytes = Buffer.from(compact, 'base64');
    // Only text that survives a round trip is base64 in the first place.
    if (bytes.toString('base64') === compact) {
      const decoded = bytes.toString('utf8');
      if (!decoded.includes('\uFFFD')) return { text: decoded, raw: false };
    }
  }
  return { text, raw: true };
}

/** Encodes message text for a queue with this encoding. */
export function encodeQueueMessage(text: string, encoding: QueueMessageEncoding): string {
  return encoding === 'none' ? text : Buffer.from(text, 'utf8').toString('base64');
}

/** The encoding host.json sets for queues (extensions.queues.messageEncoding), base64 unless "none". */
export function queueMessageEncodingOf(config: { raw: Record<string, unknown> }): QueueMessageEncoding {
  const queues = ((config.raw.extensions ?? {}) as Record<string, unknown>).queues as Record<string, unknown> | undefined;
  return String(queues?.messageEncoding ?? 'base64').toLowerCase() === 'none' ? 'none' : 'base64';
}
