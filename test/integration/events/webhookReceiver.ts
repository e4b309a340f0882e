import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, WEBHOOK_HEADERS } from '../../../shared/events';

/** One post a receiver accepted: its message id, whether the HMAC verified, and the body. */
export interface ReceivedPost {
  id: string;
  verified: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * A webhook receiver on loopback, as a customer would write one: it verifies the HMAC of each
 * post with the shared secret and keeps what it received. `answer` decides each reply (a
 * status, or `hang` to never answer: the sender's host can be killed meanwhile).
 */
export interface WebhookReceiver {
  url: string;
  posts: ReceivedPost[];
  /** Every post that arrived, answered or not (a hung one included). */
  attempts: ReceivedPost[];
  /** Received posts with duplicates dropped by message id (first arrival kept). */
  unique(): ReceivedPost[];
  /** `n`: this post's index among all arrivals (hung ones included). */
  answer: (post: ReceivedPost, n: number) => number | 'hang';
  stop(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const hanging: ServerResponse[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    posts: [],
    attempts: [],
    unique: () => receiver.posts.filter((p, i) => receiver.posts.findIndex((q) => q.id === p.id) === i),
    answer: () => 200,
    stop: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => String(req.headers[name] ?? '');
      const post: ReceivedPost = {
        id: header(WEBHOOK_HEADERS.id),
        verified: verifyWebhook(secret, header(WEBHOOK_HEADERS.timestamp), text, header(WEBHOOK_HEADERS.signature)),
        body: JSON.parse(text),
      };
      receiver.attempts.push(post);
      const answer = post.verified ? receiver.answer(post, receiver.attempts.length - 1) : 401;
      if (answer === 'hang') { hanging.push(res); return; }
      if (answer >= 200 && answer < 300) receiver.posts.push(post);
      res.writeHead(answer);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/asr`;
  return receiver;
}
