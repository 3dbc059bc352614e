/**
 * HTTPS from the host to the VM's forwarded port 443: the certificate is fetched once (trust on first
 * use), its SHA-256 fingerprint recorded, and every later request verifies against exactly that
 * certificate — so a changed certificate fails loudly instead of being silently accepted.
 */
import { request } from 'node:https';
import { connect } from 'node:tls';

export interface PeerCertificate {
  pem: string;
  fingerprint256: string;
}

export async function fetchPeerCertificate(port: number, timeoutMs = 15_000): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (cert === undefined) return reject(new Error('no peer certificate'));
      resolve({ pem: cert.toString(), fingerprint256: cert.fingerprint256 });
    });
    socket.on('timeout', () => socket.destroy(new Error('TLS connect timed out')));
    socket.on('error', reject);
  });
}

export interface HttpResult {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface HttpsRequest {
  port: number;
  ca: string;
  method: 'GET' | 'POST';
  path: string;
  apiKey?: string;
  body?: unknown;
  timeoutMs: number;
}

export function httpsRequest(r: HttpsRequest): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
    const req = request(
      {
        host: '127.0.0.1',
        port: r.port,
        method: r.method,
        path: r.path,
        ca: r.ca,
        // The certificate's SAN lists 127.0.0.1 (the appliance adds it for local checks).
        headers: {
          ...(r.apiKey === undefined ? {} : { authorization: `Bearer ${r.apiKey}` }),
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: r.timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${r.method} ${r.path} timed out after ${r.timeoutMs / 1000}s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export interface StreamSummary {
  status: number;
  chunks: number;
  text: string;
  finishReason: string | null;
  done: boolean;
  model: string | null;
}

/** Parses an OpenAI chat completion SSE body: `data: {json}` frames ending with `data: [DONE]`. */
export function parseChatStream(status: number, body: string): StreamSummary {
  const summary: StreamSummary = { status, chunks: 0, text: '', finishReason: null, done: false, model: null };
  for (const block of body.split(/\r?\n\r?\n/)) {
    for (const line of block.split(/\r?\n/)) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') {
        summary.done = true;
        continue;
      }
      const frame = JSON.parse(data) as {
        model?: string;
        error?: { message: string };
        choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
      };
      if (frame.error !== undefined) throw new Error(`stream error: ${frame.error.message}`);
      summary.chunks += 1;
      summary.model ??= frame.model ?? null;
      for (const choice of frame.choices ?? []) {
        summary.text += choice.delta?.content ?? '';
        if (choice.finish_reason != null) summary.finishReason = choice.finish_reason;
      }
    }
  }
  return summary;
}

export async function streamCompletion(port: number, ca: string, apiKey: string, model: string, timeoutMs: number): Promise<StreamSummary> {
  const r = await httpsRequest({
    port,
    ca,
    method: 'POST',
    path: '/v1/chat/completions',
    apiKey,
    timeoutMs,
    body: { model, stream: true, max_tokens: 8, messages: [{ role: 'user', content: 'Say hello.' }] },
  });
  if (r.status !== 200) return { status: r.status, chunks: 0, text: r.body.slice(0, 300), finishReason: null, done: false, model: null };
  return parseChatStream(r.status, r.body);
}
