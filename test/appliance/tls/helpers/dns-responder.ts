/**
 * A tiny authoritative DNS responder on loopback UDP for tests: answers A queries for any name with
 * 127.0.0.1 (or a per-name override) and every other type with an empty NOERROR. pebble's VA asks it
 * (`-dnsserver`), so test domains resolve to the nginx we run without touching the system resolver.
 */
import { createSocket, type Socket } from 'node:dgram';

export interface DnsResponder {
  port: number;
  /** Every question seen, as `name/TYPE`. */
  queries: string[];
  close(): Promise<void>;
}

const TYPE_NAMES: Record<number, string> = { 1: 'A', 28: 'AAAA', 257: 'CAA', 16: 'TXT', 5: 'CNAME' };

export async function startDnsResponder(overrides: Record<string, string> = {}, defaultIpv4 = '127.0.0.1'): Promise<DnsResponder> {
  const socket: Socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, rinfo) => {
    const parsed = parseQuestion(msg);
    if (parsed === undefined) return;
    const { name, qtype, questionEnd } = parsed;
    queries.push(`${name}/${TYPE_NAMES[qtype] ?? qtype}`);
    const ip = overrides[name] ?? defaultIpv4;
    const answer = qtype === 1 ? aRecord(ip) : Buffer.alloc(0);
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2); // id
    const rd = msg.readUInt16BE(2) & 0x0100;
    header.writeUInt16BE(0x8400 | rd | 0x0080, 2); // QR, AA, RD copied, RA; RCODE 0
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answer.length > 0 ? 1 : 0, 6);
    socket.send(Buffer.concat([header, msg.subarray(12, questionEnd), answer]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  return {
    port: socket.address().port,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function parseQuestion(msg: Buffer): { name: string; qtype: number; questionEnd: number } | undefined {
  if (msg.length < 17 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  while (at < msg.length) {
    const len = msg[at] ?? 0;
    at += 1;
    if (len === 0) break;
    if (len > 63 || at + len > msg.length) return undefined;
    labels.push(
      msg
        .subarray(at, at + len)
        .toString('ascii')
        .toLowerCase(),
    );
    at += len;
  }
  if (at + 4 > msg.length) return undefined;
  return { name: labels.join('.'), qtype: msg.readUInt16BE(at), questionEnd: at + 4 };
}

function aRecord(ip: string): Buffer {
  const rr = Buffer.alloc(16);
  rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
  rr.writeUInt16BE(1, 2); // A
  rr.writeUInt16BE(1, 4); // IN
  rr.writeUInt32BE(60, 6);
  rr.writeUInt16BE(4, 10);
  for (const [i, octet] of ip.split('.').entries()) rr.writeUInt8(Number(octet), 12 + i);
  return rr;
}
