/**
 * File-system conventions of the TLS module, shared with the nginx renderer and the report.
 * All are absolute appliance paths; the local stack (`slm-copilot up --root DIR`) prefixes them.
 */
import { join } from 'node:path';

/** URL prefix nginx must serve from the ACME webroot on port 80 (never redirected to HTTPS). */
export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

/**
 * certbot's webroot (`-w`). nginx serves `ACME_CHALLENGE_PREFIX` with `root <this dir>;`, so a token
 * lands at `<webroot>/.well-known/acme-challenge/<token>`. Mode 0755: nginx workers read it.
 */
export const DEFAULT_ACME_WEBROOT = '/var/lib/slm-copilot/acme';

/**
 * State dir of the appliance CA (`ca.pem` 0644, `ca-key.pem` 0600) and the server certificate it signs
 * (`cert.pem` 0644, `key.pem` 0600, and `fullchain.pem` = server certificate + CA, what nginx serves).
 */
export const DEFAULT_SELF_SIGNED_DIR = '/var/lib/slm-copilot/tls';
export const SELF_SIGNED_CERT_FILE = 'cert.pem';
export const SELF_SIGNED_KEY_FILE = 'key.pem';
export const SELF_SIGNED_CHAIN_FILE = 'fullchain.pem';
export const APPLIANCE_CA_CERT_FILE = 'ca.pem';
export const APPLIANCE_CA_KEY_FILE = 'ca-key.pem';

/**
 * URL path where nginx serves the CA certificate, on port 80 and on HTTPS, without the API key: a
 * laptop fetches it before it trusts anything, and checks it against the report's fingerprint.
 */
export const CA_DOWNLOAD_PATH = '/slm-copilot-ca.pem';

export interface CertbotDirs {
  /** `--config-dir`: accounts, `live/`, `archive/`, `renewal/`. */
  config: string;
  /** `--work-dir`: locks and temporary state. */
  work: string;
  /** `--logs-dir`: `letsencrypt.log`. */
  logs: string;
}

/** Debian certbot's own defaults: the only dirs `certbot.timer` (`certbot -q renew`) renews from. */
export const DEFAULT_CERTBOT_DIRS: CertbotDirs = {
  config: '/etc/letsencrypt',
  work: '/var/lib/letsencrypt',
  logs: '/var/log/letsencrypt',
};

/** Reload command certbot runs after each issuance and renewal (stored in the lineage's renewal conf). */
export const DEFAULT_DEPLOY_HOOK = 'systemctl reload nginx';

/** certbot's default ACME directory (Let's Encrypt production). */
export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';

export interface LineagePaths {
  /** Leaf + intermediates: nginx `ssl_certificate`. */
  certPath: string;
  /** nginx `ssl_certificate_key`. */
  keyPath: string;
  renewalConfPath: string;
}

/** The lineage certbot keeps for `domain` (we always pass `--cert-name <domain>`). */
export function letsEncryptLineagePaths(configDir: string, domain: string): LineagePaths {
  return {
    certPath: join(configDir, 'live', domain, 'fullchain.pem'),
    keyPath: join(configDir, 'live', domain, 'privkey.pem'),
    renewalConfPath: join(configDir, 'renewal', `${domain}.conf`),
  };
}
