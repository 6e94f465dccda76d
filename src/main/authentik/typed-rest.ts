import { z } from 'zod'
import type { AuthentikClient } from './client'
import type { Page, Query } from './rest'
import { readShape } from './shapes'

/**
 * rest.ts with the answer checked against a resource's zod shape (shapes.ts): what callers get is
 * exactly the declared fields, or an AUTHENTIK_UNEXPECTED_RESPONSE naming the field.
 */

type Client = Pick<AuthentikClient, 'rest' | 'baseUrl' | 'version'>

const context = (client: Client, operation: string) => ({
  operation,
  baseUrl: client.baseUrl,
  version: client.version,
})

export async function getAs<T extends z.ZodType>(
  client: Client,
  schema: T,
  path: string,
  query: Query | undefined,
  operation: string,
): Promise<z.infer<T>> {
  return readShape(
    schema,
    await client.rest.get(path, query, operation),
    context(client, operation),
  )
}

/** One page; a row that does not match names its index (`results.3.pk`). */
export async function pageAs<T extends z.ZodType>(
  client: Client,
  schema: T,
  path: string,
  query: Query,
  operation: string,
): Promise<Page<z.infer<T>>> {
  const page = await client.rest.page(path, query, operation)
  const results = readShape(
    z.object({ results: z.array(schema) }),
    page,
    context(client, operation),
  )
  return { ...page, results: results.results as z.infer<T>[] }
}

/** Every page of a list, following `pagination.next`. */
export async function listAs<T extends z.ZodType>(
  client: Client,
  schema: T,
  path: string,
  query: Query,
  operation: string,
): Promise<z.infer<T>[]> {
  const out: z.infer<T>[] = []
  for (let page = 1; page > 0 && page < 10_000;) {
    const result = await pageAs(client, schema, path, { page_size: 100, ...query, page }, operation)
    out.push(...result.results)
    page = result.next
  }
  return out
}

/** A POST or PATCH whose answer is the written object. */
export async function writeAs<T extends z.ZodType>(
  client: Client,
  schema: T,
  method: 'post' | 'patch',
  path: string,
  body: unknown,
  operation: string,
): Promise<z.infer<T>> {
  const answer = await client.rest[method](path, body, operation)
  return readShape(schema, answer, context(client, operation))
}
