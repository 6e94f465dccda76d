import {
  supportedAuthentikVersions,
  type AuthentikVersion,
} from '../../../src/shared/authentik-releases'

/** The fake impersonates exactly the releases Gatehouse supports (one table, `authentik-releases`). */
export type FakeVersion = AuthentikVersion

export const FAKE_VERSIONS: readonly FakeVersion[] = supportedAuthentikVersions

export type JsonObject = { [key: string]: unknown }

export interface FakeAuthentikOptions {
  version: FakeVersion
  bootstrapToken?: string
  bootstrapPassword?: string
  bootstrapEmail?: string
  slowStartMs?: number
  port?: number
  host?: string
}

/** An error the fake answers with; the body is validated like any other response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: JsonObject,
  ) {
    super(`${status} ${JSON.stringify(body)}`)
  }
}

export const notFound = (): HttpError => new HttpError(404, { detail: 'Not found.' })

/** A DRF ValidationError: `{field: [messages]}`. */
export const fieldError = (field: string, message: string): HttpError =>
  new HttpError(400, { [field]: [message] })

export const UNIQUE = 'This field must be unique.'
