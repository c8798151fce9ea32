// A minimal apid stand-in for tests: real grpc-js Server, real mutual TLS,
// handlers supplied by each test. Listens on loopback only.
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { CosiState, MachineService } from "../../../src/talos/protos.js";

export interface ApidOptions {
  readonly host: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** CAs a client certificate must chain to. */
  readonly clientCaPems: readonly string[];
  readonly machine?: UntypedServiceImplementation;
  readonly cosi?: UntypedServiceImplementation;
  /** Replaces MachineService's definition, e.g. to serialize garbage. */
  readonly machineDefinition?: ServiceDefinition;
}

export interface RunningApid {
  readonly port: number;
  close(): Promise<void>;
}

export async function startApid(opts: ApidOptions): Promise<RunningApid> {
  const server = new Server();
  server.addService(opts.machineDefinition ?? MachineService, opts.machine ?? {});
  server.addService(CosiState, opts.cosi ?? {});
  const creds = ServerCredentials.createSsl(
    Buffer.from(opts.clientCaPems.join("\n")),
    [{ private_key: Buffer.from(opts.keyPem), cert_chain: Buffer.from(opts.certPem) }],
    true,
  );
  const target = opts.host.includes(":") ? `[${opts.host}]:0` : `${opts.host}:0`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(target, creds, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
