import { decodeQueueMessage, encodeQueueMessage } from '../../../devhost/triggers/queueMessageEncoding';

describe('queue message encoding', () => {
  it('decodes base64 (Azure default) and round-trips', () => {
    const text = '{"vm":"db01","note":"ünïcode"}';
    expect(decodeQueueMessage(encodeQueueMessage(text, 'base64'), 'base64')).toEqual({ text, raw: false });
  });

  it('passes text that is not base64 through raw, and says so', () => {
    expect(decodeQueueMessage('plain text, not base64!', 'base64')).toEqual({ text: 'plain text, not base64!', raw: true });
    // Valid base64 alphabet but not UTF-8 text underneath: raw as well.
    expect(decodeQueueMessage('//79', 'base64')).toEqual({ text: '//79', raw: true });
  });

  it('leaves messages alone with messageEncoding none', () => {
    expect(decodeQueueMessage('aGVsbG8=', 'none')).toEqual({ text: 'aGVsbG8=', raw: false });
    expect(encodeQueueMessage('hello', 'none')).toBe('hello');
  });
});
