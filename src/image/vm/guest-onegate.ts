/**
 * The test VM's OneGate: the project's strict fake (401 for a wrong token or VM id, 400 for a body that
 * is not template lines) on the host's loopback, which the guest reaches at GUEST_ONEGATE through a QEMU
 * guest forward (guest-forward.ts), plus what OpenNebula puts on the context CD for TOKEN=YES.
 */
import { randomBytes } from 'node:crypto';
import { type FakeOneGate, type OneGateCall, parseUpdateBody, startFakeOneGate } from '../../appliance/local/fake-onegate.ts';
import { type WaitOptions, waitUntil } from '../../lib/process/wait-until.ts';
import type { OneGateContext } from './context-iso.ts';
import { guestForwardCommand } from './guest-forward.ts';

/** Where the guest finds OneGate: on the user network, not the host's 10.0.2.2 (restrict=on; QEMU refuses a forward there). */
export const GUEST_ONEGATE = { address: '10.0.2.100', port: 5030 } as const;

/** One `vm update` OneGate received, its body parsed as the template lines it appends. */
export interface OneGateUpdate {
  call: OneGateCall;
  /** Its position among all calls OneGate received (arrival order). */
  index: number;
  /** performance.now() when it was first seen (within a quarter second of its arrival). */
  seenAt: number;
  attributes: Record<string, string>;
}

export class GuestOneGate {
  readonly fake: FakeOneGate;
  /** When each call was first seen, by index (the fake records no times). */
  readonly #seenAt: number[] = [];
  readonly #watch: NodeJS.Timeout;

  private constructor(fake: FakeOneGate) {
    this.fake = fake;
    this.#watch = setInterval(() => this.#stamp(), 250);
    this.#watch.unref();
  }

  /** A OneGate with a VM id like OpenNebula's (a number) and a random token. */
  static async start(): Promise<GuestOneGate> {
    return new GuestOneGate(await startFakeOneGate({ vmId: String(100 + (randomBytes(2).readUInt16BE() % 9000)) }));
  }

  /** A OneGate serving a OneFlow service (role → VM ids, each VM its own token); the main VM is the first one listed. */
  static async startService(roles: Readonly<Record<string, readonly string[]>>): Promise<GuestOneGate> {
    const vmId = Object.values(roles).flat()[0];
    return new GuestOneGate(await startFakeOneGate({ ...(vmId !== undefined ? { vmId } : {}), roles }));
  }

  /** The QEMU guest forward that connects the guest to it. */
  guestForward(): { address: string; port: number; command: string } {
    return { ...GUEST_ONEGATE, command: guestForwardCommand(Number(new URL(this.fake.endpoint).port)) };
  }

  /** What OpenNebula writes for TOKEN=YES: ONEGATE_ENDPOINT and VMID in context.sh, the token in token.txt. */
  context(vmId = this.fake.vmId): OneGateContext {
    return { endpoint: `http://${GUEST_ONEGATE.address}:${GUEST_ONEGATE.port}`, vmId, token: this.fake.tokenOf(vmId) };
  }

  /** The `vm update` calls (PUT /vm) received from call number `since` on, any status. */
  updates(since = 0): OneGateUpdate[] {
    this.#stamp();
    return this.fake.calls
      .map((call, index) => ({ call, index, seenAt: this.#seenAt[index]!, attributes: parseUpdateBody(call.body) ?? {} }))
      .slice(since)
      .filter(({ call }) => call.method === 'PUT' && call.url === '/vm');
  }

  /** Waits (bounded) until `found` returns something for the calls so far. */
  wait<T>(
    what: string,
    found: () => T | undefined,
    options: Pick<WaitOptions, 'timeoutMs' | 'signal'>,
  ): Promise<Exclude<T, undefined | null | false>> {
    return waitUntil(what, async () => found(), {
      ...options,
      intervalMs: 1000,
      state: () => `${this.fake.calls.length} OneGate calls: ${this.fake.calls.map((c) => `${c.method} ${c.url} ${c.status}`).join(', ')}`,
    });
  }

  async close(): Promise<void> {
    clearInterval(this.#watch);
    await this.fake.close();
  }

  #stamp(): void {
    const now = performance.now();
    while (this.#seenAt.length < this.fake.calls.length) this.#seenAt.push(now);
  }
}
