/**
 * A minimal streaming chat client that timestamps every SSE event as it arrives. The official SDK would
 * add its own parsing cost and hide arrival times; this stays close to the wire so that the benchmark
 * measures the server (and nginx), not the client.
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { BenchMessage } from './prompts.ts';
import { SseParser } from './sse-parser.ts';
import { decodeRate } from './stats.ts';

export interface Endpoint {
  /** e.g. http://127.0.0.1:8080 or https://127.0.0.1:8443 */
  baseUrl: string;
  apiKey?: string;
  /** PEM of the CA that signed the TLS certificate (for https). */
  ca?: string;
  /** Keep-alive agent, so that repeated requests measure the request, not TCP/TLS setup (as SDKs do). */
  agent: http.Agent;
}

export function makeEndpoint(baseUrl: string, options: { apiKey?: string; ca?: string } = {}): Endpoint {
  const isTls = baseUrl.startsWith('https:');
  const agent = isTls
    ? new https.Agent({ keepAlive: true, maxSockets: 16, ...(options.ca === undefined ? {} : { ca: options.ca }) })
    : new http.Agent({ keepAlive: true, maxSockets: 16 });
  return { baseUrl, agent, ...options };
}

export interface StreamRequest {
  model: string;
  messages: BenchMessage[];
  maxTokens: number;
  seed?: number;
}

export interface StreamResult {
  /** Request start → first chunk with generated text. */
  ttftMs: number;
  /** Request start → end of the response. */
  totalMs: number;
  /** Tokens/s from the first generated chunk to the last one (see stats.decodeRate). */
  decodeTokPerSec: number;
  /** Events that carried generated text (≈ tokens when the server streams one token per chunk). */
  contentChunks: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  finishReason: string;
  text: string;
  /** performance.now() timestamps, for aggregate computations across concurrent streams. */
  startedAt: number;
  firstTokenAt: number;
  lastTokenAt: number;
}

interface ChunkShape {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } } | null;
  error?: { message?: string };
}

export async function streamChat(endpoint: Endpoint, request: StreamRequest): Promise<StreamResult> {
  const body = JSON.stringify({
    model: request.model,
    messages: request.messages,
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0,
    seed: request.seed ?? 42,
    max_tokens: request.maxTokens,
  });
  const url = new URL('/v1/chat/completions', endpoint.baseUrl);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    accept: 'text/event-stream',
  };
  if (endpoint.apiKey !== undefined) headers['authorization'] = `Bearer ${endpoint.apiKey}`;
  const mod = url.protocol === 'https:' ? https : http;

  return new Promise<StreamResult>((resolve, reject) => {
    const startedAt = performance.now();
    let firstTokenAt = Number.NaN;
    let lastTokenAt = Number.NaN;
    let contentChunks = 0;
    let text = '';
    let finishReason = '';
    let usage: ChunkShape['usage'] = null;
    let failure: Error | undefined;
    const parser = new SseParser();

    const req = mod.request(url, { method: 'POST', headers, agent: endpoint.agent }, (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let errorBody = '';
        res.on('data', (d: string) => (errorBody += d));
        res.on('end', () => reject(new Error(`HTTP ${res.statusCode} from ${url.href}: ${errorBody.slice(0, 500)}`)));
        return;
      }
      res.on('data', (piece: string) => {
        const now = performance.now();
        for (const payload of parser.push(piece)) {
          if (payload === '[DONE]') continue;
          let chunk: ChunkShape;
          try {
            chunk = JSON.parse(payload) as ChunkShape;
          } catch {
            failure = new Error(`unparsable SSE data: ${payload.slice(0, 200)}`);
            continue;
          }
          if (chunk.error !== undefined) failure = new Error(`stream error: ${chunk.error.message ?? 'unknown'}`);
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices?.[0];
          const delta = choice?.delta?.content;
          if (typeof delta === 'string' && delta.length > 0) {
            if (Number.isNaN(firstTokenAt)) firstTokenAt = now;
            lastTokenAt = now;
            contentChunks++;
            text += delta;
          }
          if (choice?.finish_reason) finishReason = choice.finish_reason;
        }
      });
      res.on('end', () => {
        const endedAt = performance.now();
        if (failure !== undefined) return reject(failure);
        const completionTokens = usage?.completion_tokens ?? contentChunks;
        resolve({
          ttftMs: firstTokenAt - startedAt,
          totalMs: endedAt - startedAt,
          decodeTokPerSec: decodeRate(completionTokens, firstTokenAt, lastTokenAt),
          contentChunks,
          promptTokens: usage?.prompt_tokens ?? Number.NaN,
          completionTokens,
          cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? Number.NaN,
          finishReason,
          text,
          startedAt,
          firstTokenAt,
          lastTokenAt,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GET a path; resolves to status and body text. */
export async function getText(endpoint: Endpoint, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(path, endpoint.baseUrl);
  const mod = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = {};
  if (endpoint.apiKey !== undefined) headers['authorization'] = `Bearer ${endpoint.apiKey}`;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: 'GET', headers, agent: endpoint.agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The model id the server serves (first entry of /v1/models). */
export async function servedModelId(endpoint: Endpoint): Promise<string> {
  const { status, body } = await getText(endpoint, '/v1/models');
  if (status !== 200) throw new Error(`GET /v1/models → ${status}: ${body.slice(0, 200)}`);
  const parsed = JSON.parse(body) as { data?: { id?: string }[] };
  const id = parsed.data?.[0]?.id;
  if (typeof id !== 'string') throw new Error('GET /v1/models returned no model');
  return id;
}
