/**
 * The appliance CA, fetched once from the chain the VM serves on the forwarded port 443 (trust on first
 * use) with its SHA-256 fingerprint: every later request pins exactly this CA, so a changed CA fails
 * loudly instead of being silently accepted.
 */
import { connect } from 'node:tls';

export interface PeerCertificate {
  pem: string;
  fingerprint256: string;
}

export async function fetchPeerCertificate(port: number, timeoutMs = 15_000): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      // Pin the top of the chain nginx sends (server certificate + appliance CA): the CA is the trust
      // anchor, and Node, like the clients, refuses a CA-signed server certificate as its own anchor.
      let cert = socket.getPeerX509Certificate();
      while (cert?.issuerCertificate !== undefined && !cert.checkIssued(cert)) cert = cert.issuerCertificate;
      socket.end();
      if (cert === undefined) return reject(new Error('no peer certificate'));
      resolve({ pem: cert.toString(), fingerprint256: cert.fingerprint256 });
    });
    socket.on('timeout', () => socket.destroy(new Error('TLS connect timed out')));
    socket.on('error', reject);
  });
}
