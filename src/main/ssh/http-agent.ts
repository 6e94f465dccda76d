import { Agent, type ClientRequestArgs } from 'node:http'
import type { Duplex } from 'node:stream'
import type { SshConnection } from './connection'

/**
 * An HTTP agent whose "sockets" are channels to a Unix socket on the NAS, all over the one SSH
 * connection: dockerode/docker-modem talk HTTP to the remote /var/run/docker.sock as if it were
 * local. Opening a channel costs one round trip, no handshake; the connection itself is made on
 * the first request and again only after it dropped.
 */
export function unixSocketAgent(connection: SshConnection, socketPath: string): Agent {
  const agent = new Agent({ keepAlive: false })
  const create = (
    _options: ClientRequestArgs,
    callback: (error: Error | null, socket?: Duplex) => void,
  ): undefined => {
    connection.openUnixSocket(socketPath).then(
      (stream) => callback(null, stream),
      (error: Error) => callback(error),
    )
    return undefined
  }
  // Node's Agent accepts a socket passed to the callback instead of a returned one.
  ;(agent as unknown as { createConnection: typeof create }).createConnection = create
  return agent
}
