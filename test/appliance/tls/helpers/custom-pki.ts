/**
 * A small private PKI made with the real openssl CLI, for the bring-your-own-certificate tests: a root,
 * an intermediate, and server certificates (valid, expired, wrong names) the way an operator's CA would
 * issue them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Issued {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export class TestPki {
  readonly dir: string;
  #n = 0;

  constructor(parent: string) {
    this.dir = mkdtempSync(join(parent, 'pki-'));
  }

  #paths(name: string): { certPath: string; keyPath: string; csr: string; ext: string } {
    const n = ++this.#n;
    return {
      certPath: join(this.dir, `${n}-${name}.pem`),
      keyPath: join(this.dir, `${n}-${name}-key.pem`),
      csr: join(this.dir, `${n}-${name}.csr`),
      ext: join(this.dir, `${n}-${name}.ext`),
    };
  }

  #read(p: { certPath: string; keyPath: string }): Issued {
    return { ...p, cert: readFileSync(p.certPath, 'utf8'), key: readFileSync(p.keyPath, 'utf8') };
  }

  root(name = 'Test Root CA'): Issued {
    const p = this.#paths('root');
    openssl([
      ...['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', '3650'],
      ...['-subj', `/CN=${name}`, '-keyout', p.keyPath, '-out', p.certPath],
      ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ]);
    return this.#read(p);
  }

  intermediate(issuer: Issued, name = 'Test Intermediate CA'): Issued {
    return this.#sign(issuer, name, 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n', {
      days: 1825,
    });
  }

  /** A server certificate for `sans` (e.g. `DNS:copilot.example.org,IP:10.0.0.5`). */
  server(issuer: Issued, sans: string, validity: { days: number } | { start: string; end: string } = { days: 90 }): Issued {
    return this.#sign(
      issuer,
      sans.split(',')[0]!.replace(/^[A-Z]+:/, ''),
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`,
      validity,
    );
  }

  #sign(issuer: Issued, cn: string, extensions: string, validity: { days: number } | { start: string; end: string }): Issued {
    const p = this.#paths(cn.replace(/[^A-Za-z0-9.-]/g, '_'));
    writeFileSync(p.ext, extensions);
    openssl([
      ...['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${cn}`],
      ...['-keyout', p.keyPath, '-out', p.csr],
    ]);
    if ('days' in validity) {
      openssl([
        ...['x509', '-req', '-in', p.csr, '-CA', issuer.certPath, '-CAkey', issuer.keyPath, '-CAcreateserial', '-sha256'],
        ...['-days', String(validity.days), '-extfile', p.ext, '-out', p.certPath],
      ]);
    } else {
      // Explicit dates (an expired certificate) need `openssl ca`, the only CLI that takes a start and end date.
      const caDir = join(this.dir, `ca-${this.#n}`);
      mkdirSync(caDir);
      writeFileSync(join(caDir, 'index.txt'), '');
      writeFileSync(join(caDir, 'serial'), '1000\n');
      const cnf = join(caDir, 'ca.cnf');
      writeFileSync(
        cnf,
        `[ca]\ndefault_ca = d\n[d]\ndatabase = ${caDir}/index.txt\nnew_certs_dir = ${caDir}\nserial = ${caDir}/serial\n` +
          `default_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n`,
      );
      openssl([
        ...['ca', '-batch', '-config', cnf, '-cert', issuer.certPath, '-keyfile', issuer.keyPath, '-in', p.csr, '-out', p.certPath],
        ...['-startdate', validity.start, '-enddate', validity.end, '-extfile', p.ext, '-notext'],
      ]);
    }
    return this.#read(p);
  }
}

export const base64 = (text: string): string => Buffer.from(text).toString('base64');
