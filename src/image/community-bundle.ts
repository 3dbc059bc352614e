/**
 * The appliance as a marketplace-community submission (their `appliances/<name>/` layout): `<UUID>.yaml`
 * (the marketplace entry), `metadata.yaml` (how their certification instantiates it), `tests.yaml` +
 * `tests/00-slmcopilot_basic.rb` (an rspec run on the frontend through their `vm_handler` context),
 * README.md and CHANGELOG.md. Everything comes from the marketplace entry and the variable table; the
 * files are written by `slm-copilot image marketplace` and checked for drift by the tests.
 */
import { stringify } from 'yaml';
import { CONTEXT_VARIABLES, formatVariablesMarkdown } from '../appliance/context/context-variables.ts';
import { APPLIANCE_ID, type MarketplaceAppliance, renderMarketplaceYaml } from './marketplace.ts';

/** Their app names carry no "_" (the certification tooling splits on it). */
export const COMMUNITY_APP_NAME = 'slmcopilot';
export const COMMUNITY_TEST_FILE = `00-${COMMUNITY_APP_NAME}_basic.rb`;

/** A fixed key for the certification VM only: the test reads it back from APP_CONTEXT_PARAMS. */
const CERTIFICATION_API_KEY = `sk-certification${'0123456789abcdef'.repeat(2)}`;

function variable(suffix: string): string {
  const found = CONTEXT_VARIABLES.find((v) => v.name.endsWith(suffix));
  if (found === undefined) throw new Error(`no context variable ending in ${suffix}`);
  return found.name;
}

/** Their `:params:` are the variable names without the ONEAPP_ prefix (`:prefixed: true`). */
function certificationParams(): Record<string, string> {
  return {
    [variable('_API_KEY').replace(/^ONEAPP_/, '')]: CERTIFICATION_API_KEY,
    [variable('_TLS_MODE').replace(/^ONEAPP_/, '')]: 'self-signed',
  };
}

export function renderCommunityMetadata(appliance: MarketplaceAppliance): string {
  const template = appliance['opennebula_template'] as Record<string, unknown>;
  const doc = {
    ':app': {
      ':name': COMMUNITY_APP_NAME,
      ':type': 'service',
      ':os': { ':type': 'linux', ':base': 'debian12' },
      ':hypervisor': 'KVM',
      ':context': { ':prefixed': true, ':params': Object.fromEntries(Object.entries(certificationParams()).map(([k, v]) => [`:${k}`, v])) },
    },
    ':one': {
      ':template': {
        NAME: 'base',
        TEMPLATE: {
          ARCH: 'x86_64',
          CONTEXT: { NETWORK: 'YES', SSH_PUBLIC_KEY: '$USER[SSH_PUBLIC_KEY]', TOKEN: 'YES', REPORT_READY: 'YES' },
          CPU: String(template['cpu']),
          VCPU: String(template['vcpu']),
          CPU_MODEL: { MODEL: 'host-passthrough' },
          GRAPHICS: { LISTEN: '0.0.0.0', TYPE: 'vnc' },
          MEMORY: String(template['memory']),
          NIC: { NETWORK: 'service' },
          NIC_DEFAULT: { MODEL: 'virtio' },
        },
      },
      ':datastore_name': 'default',
      // First boot loads a 14 GB model and runs a self-test: minutes, not seconds.
      ':timeout': '900',
    },
    ':infra': { ':disk_format': 'qcow2', ':apps_path': '/var/tmp' },
  };
  return `---\n${stringify(doc, { version: '1.1', lineWidth: 0 })}`;
}

export function renderCommunityTests(): string {
  return `---\n- '${COMMUNITY_TEST_FILE}'\n`;
}

/** Waits are bounded: first boot loads the model (minutes on CPU). */
export function renderCommunitySpec(): string {
  const keyParam = variable('_API_KEY').replace(/^ONEAPP_/, '');
  return `require_relative '../../../lib/community/app_handler'

# Certification of SLM-Copilot: the VM comes from metadata.yaml's template with its :params: as context.
describe 'Appliance Certification' do
    include_context('vm_handler')

    def wait_for(what, timeout)
        start = Time.now
        loop do
            return if yield
            raise "#{what} not reached within #{timeout} seconds" if Time.now - start > timeout

            sleep 5
        end
    end

    def http_code(path, key = nil)
        auth = key ? "-H 'Authorization: Bearer #{key}' " : ''
        @info[:vm].ssh("curl -sk -o /dev/null -w '%{http_code}' #{auth}https://localhost#{path}").stdout.strip
    end

    it 'bootstrap finishes (service status bootstrap_success)' do
        wait_for('bootstrap_success', 1200) do
            @info[:vm].ssh('cat /etc/one-appliance/status').stdout.strip == 'bootstrap_success'
        end
    end

    it 'check oneapps motd' do
        execution = @info[:vm].ssh('cat /etc/motd')
        expect(execution.exitstatus).to eq(0)
        expect(execution.stdout).to include('All set and ready to serve')
    end

    it 'the edge answers /readyz over HTTPS' do
        wait_for('/readyz 200', 600) { http_code('/readyz') == '200' }
    end

    it 'refuses the API without the key' do
        expect(http_code('/v1/models')).to eq('401')
    end

    it 'serves the API with the key from the context' do
        expect(http_code('/v1/models', APP_CONTEXT_PARAMS[:${keyParam}])).to eq('200')
    end

    it 'the report shows the key and the endpoint' do
        report = @info[:vm].ssh('cat /etc/one-appliance/config').stdout
        expect(report).to include(APP_CONTEXT_PARAMS[:${keyParam}])
        expect(report).to match(%r{https://[^ ]+/v1})
    end
end
`;
}

export function renderCommunityReadme(appliance: MarketplaceAppliance): string {
  return `# ${String(appliance['name'])}

${String(appliance['short_description'])}

${String(appliance['description'])}

## Quick start

1. Import the appliance (Sunstone: *Storage → Apps*, or \`onemarketapp export\`), then instantiate its
   template on a network the clients reach, with OneGate enabled (the template sets \`TOKEN=YES\`,
   \`REPORT_READY=YES\`): the VM shows \`READY=YES\` once the endpoint serves.
2. Open TCP 443 (clients) and 80 (CA download, Let's Encrypt) in the VM's security group; 22 for SSH.
3. \`ssh root@<vm> cat /etc/one-appliance/config\`: endpoint URL, API key, certificate fingerprint and
   ready-to-paste Cline and Continue settings.

## Context variables

${formatVariablesMarkdown()}
## Certification

\`metadata.yaml\` instantiates the appliance with a fixed test key; \`tests/${COMMUNITY_TEST_FILE}\` checks
the service status, the one-apps MOTD, \`/readyz\`, that the API refuses a request without the key and
accepts the context's key, and the report.
`;
}

export function renderCommunityChangelog(appliance: MarketplaceAppliance): string {
  const date = new Date(Number(appliance['creation_time']) * 1000).toISOString().slice(0, 10);
  return `# Changelog

All notable changes to this appliance will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).

## [${String(appliance['version'])}] - ${date}

### Added

- OpenAI-compatible chat completions (streaming, tool calls) on CPU, behind nginx with TLS and an API key.
- Report with ready-to-paste Cline and Continue settings; READY and the endpoint published through OneGate.
`;
}

/** Relative path → content of every file of the bundle. */
export function renderCommunityBundle(appliance: MarketplaceAppliance): Map<string, string> {
  return new Map([
    [`${APPLIANCE_ID}.yaml`, renderMarketplaceYaml(appliance)],
    ['metadata.yaml', renderCommunityMetadata(appliance)],
    ['tests.yaml', renderCommunityTests()],
    [`tests/${COMMUNITY_TEST_FILE}`, renderCommunitySpec()],
    ['README.md', renderCommunityReadme(appliance)],
    ['CHANGELOG.md', renderCommunityChangelog(appliance)],
  ]);
}
