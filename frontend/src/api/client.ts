import createClient, { type Client, type Middleware } from 'openapi-fetch'
import { ApiProblem, problemFromResponse } from './problem'
import type { paths } from './schema.gen'

/**
 * Turns every non-2xx answer into a thrown ApiProblem and every network
 * failure into one with status 0, so callers (query functions, mutations)
 * only ever see data or an ApiProblem.
 */
export const problemMiddleware: Middleware = {
  async onResponse({ response }) {
    if (!response.ok) throw await problemFromResponse(response)
    return undefined
  },
  onError({ error }) {
    return error instanceof ApiProblem ? error : ApiProblem.network(error)
  },
}

export type ApiClient = Client<paths>

export function createApiClient(opts: { baseUrl: string; fetch?: typeof globalThis.fetch }): ApiClient {
  const client = createClient<paths>({
    baseUrl: opts.baseUrl,
    // Session cookie; the API checks Origin on cookie-authenticated writes.
    credentials: 'same-origin',
    // Looked up per call (not captured once) so tests can stub the global.
    fetch: opts.fetch ?? ((input: Request) => globalThis.fetch(input)),
  })
  client.use(problemMiddleware)
  return client
}

export const api = createApiClient({ baseUrl: globalThis.location?.origin ?? '' })

/**
 * The body of a successful answer. The middleware already threw for errors;
 * this narrows openapi-fetch's result union for the type checker.
 */
export function dataOf<T>(result: { data?: T; response: Response }): T {
  if (result.data === undefined) {
    throw new ApiProblem({ type: 'about:blank', title: 'Empty response', status: result.response.status })
  }
  return result.data
}
