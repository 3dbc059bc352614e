/**
 * The VM's certificate, fetched once from the forwarded port 443 (trust on first use) with its SHA-256
 * fingerprint: every later request pins exactly this certificate as its CA, so a changed certificate
 * fails loudly instead of being silently accepted.
 */
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
