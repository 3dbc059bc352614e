/**
 * A minimal streaming chat client that timestamps SSE events as they arrive. The official SDK would
 * add its own parsing cost and hide arrival times; this stays close to the wire so that the benchmark
 * measures the server (and nginx), not the client.
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { readChatStream } from '../lib/https/chat-stream.ts';
import { request, requestText } from '../lib/https/request.ts';
import type { BenchMessage } from './prompts.ts';
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

export async function streamChat(endpoint: Endpoint, chat: StreamRequest): Promise<StreamResult> {
  const body = JSON.stringify({
    model: chat.model,
    messages: chat.messages,
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0,
    seed: chat.seed ?? 42,
    max_tokens: chat.maxTokens,
  });
  const url = new URL('/v1/chat/completions', endpoint.baseUrl);
  const startedAt = performance.now();
  const res = await request({
    url,
    method: 'POST',
    headers: headersFor(endpoint, { 'content-type': 'application/json', accept: 'text/event-stream' }),
    body,
    ca: endpoint.ca,
    agent: endpoint.agent,
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status} from ${url.href}: ${(await res.text()).slice(0, 500)}`);
  const stream = await readChatStream(res.body);
  const endedAt = performance.now();
  const completionTokens = stream.usage?.completion_tokens ?? stream.contentDeltas;
  return {
    ttftMs: stream.firstDeltaAt - startedAt,
    totalMs: endedAt - startedAt,
    decodeTokPerSec: decodeRate(completionTokens, stream.firstDeltaAt, stream.lastDeltaAt),
    contentChunks: stream.contentDeltas,
    promptTokens: stream.usage?.prompt_tokens ?? Number.NaN,
    completionTokens,
    cachedTokens: stream.usage?.prompt_tokens_details?.cached_tokens ?? Number.NaN,
    finishReason: stream.finishReason ?? '',
    text: stream.text,
    startedAt,
    firstTokenAt: stream.firstDeltaAt,
    lastTokenAt: stream.lastDeltaAt,
  };
}

/** GET a path; resolves to status and body text. */
export function getText(endpoint: Endpoint, path: string): Promise<{ status: number; body: string }> {
  return sendText(endpoint, 'GET', path);
}

/** One request with an optional JSON body; the whole response as text. */
export async function sendText(endpoint: Endpoint, method: string, path: string, json?: string): Promise<{ status: number; body: string }> {
  const res = await requestText({
    url: new URL(path, endpoint.baseUrl),
    method,
    headers: headersFor(endpoint, json === undefined ? {} : { 'content-type': 'application/json' }),
    ...(json === undefined ? {} : { body: json }),
    ca: endpoint.ca,
    agent: endpoint.agent,
  });
  return { status: res.status, body: res.body };
}

function headersFor(endpoint: Endpoint, headers: Record<string, string>): Record<string, string> {
  return endpoint.apiKey === undefined ? headers : { ...headers, authorization: `Bearer ${endpoint.apiKey}` };
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
