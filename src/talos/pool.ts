// Channels to known peers, kept across scan rounds: a round then costs one
// HTTP/2 request per peer instead of a TCP + TLS handshake.
import type { ClientIdentity, ClientRole } from "../credentials/certs.js";
import { APID_PORT, closeChannel, openChannel, type Channel } from "./channel.js";
import { clientOn, type TalosClient } from "./client.js";
import { hostPort, type TrustPems } from "./tls.js";

export interface TalosPool {
  /**
   * The client for `address` with `identity`'s role. Reuses the channel made
   * with the same identity; a renewed identity (new fingerprint) replaces it.
   * The client's close() closes the channel and forgets it.
   */
  client(address: string, identity: ClientIdentity, trust: TrustPems): TalosClient;
  /** Whether a live channel for address made with exactly this identity is pooled. */
  has(address: string, identity: ClientIdentity): boolean;
  /** Closes and forgets one address's channel for a role. */
  drop(address: string, role: ClientRole): void;
  /** Closes every channel, e.g. on shutdown. */
  closeAll(): void;
  readonly size: number;
  /** The apid port every channel of this pool dials. */
  readonly port: number;
}

export function createTalosPool(opts: { readonly port?: number } = {}): TalosPool {
  const port = opts.port ?? APID_PORT;
  const channels = new Map<string, Channel>();
  const keyOf = (address: string, role: ClientRole): string => `${role}@${hostPort(address, port)}`;

  const drop = (address: string, role: ClientRole): void => {
    const key = keyOf(address, role);
    const channel = channels.get(key);
    if (channel === undefined) return;
    channels.delete(key);
    closeChannel(channel);
  };

  return {
    client(address, identity, trust) {
      const key = keyOf(address, identity.role);
      let channel = channels.get(key);
      if (channel !== undefined && (channel.closed || channel.identity.fingerprint !== identity.fingerprint)) {
        closeChannel(channel);
        channels.delete(key);
        channel = undefined;
      }
      if (channel === undefined) {
        channel = openChannel({ address, identity, trust, port });
        channels.set(key, channel);
      }
      const mine = channel;
      return clientOn(mine, () => {
        if (channels.get(key) === mine) channels.delete(key);
        closeChannel(mine);
      });
    },
    has(address, identity) {
      const channel = channels.get(keyOf(address, identity.role));
      return channel !== undefined && !channel.closed && channel.identity.fingerprint === identity.fingerprint;
    },
    drop,
    closeAll() {
      for (const channel of channels.values()) closeChannel(channel);
      channels.clear();
    },
    get size() {
      return channels.size;
    },
    port,
  };
}
