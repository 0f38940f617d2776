import { optional, z } from '@/lib/zod-mini'
import type { components } from './schema.gen'

export type FieldError = components['schemas']['FieldError']
type ProblemBody = components['schemas']['Problem']

// What a server answer must look like to be trusted as a problem; anything
// else (an HTML error page from a proxy, an empty body) gets a generic one.
const problemBody = z.object({
  type: z.catch(z.string(), 'about:blank'),
  title: z.string(),
  status: z.int(),
  detail: optional(z.string()),
  instance: optional(z.string()),
  code: optional(z.string()),
  request_id: optional(z.string()),
  errors: optional(z.array(z.object({ location: z.string(), message: z.string() }))),
})

/** An RFC 9457 problem answered by the API, or a network failure (status 0). */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem'
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string | undefined
  readonly code: string | undefined
  readonly requestId: string | undefined
  readonly errors: readonly FieldError[]

  constructor(body: ProblemBody) {
    super(body.detail ?? body.title)
    this.type = body.type
    this.title = body.title
    this.status = body.status
    this.detail = body.detail
    this.code = body.code
    this.requestId = body.request_id
    this.errors = body.errors ?? []
  }

  static network(cause: unknown): ApiProblem {
    const p = new ApiProblem({
      type: 'about:blank',
      title: 'Network error',
      status: 0,
      detail: 'The server could not be reached. Check your connection and try again.',
    })
    Object.defineProperty(p, 'cause', { value: cause })
    return p
  }

  /** The problem's field errors keyed by location, e.g. `body.fallback_models[1]`. */
  fieldErrors(): Map<string, string> {
    const out = new Map<string, string>()
    for (const e of this.errors) if (!out.has(e.location)) out.set(e.location, e.message)
    return out
  }
}

export function isApiProblem(e: unknown): e is ApiProblem {
  return e instanceof ApiProblem
}

export function isUnauthorized(e: unknown): boolean {
  return isApiProblem(e) && e.status === 401
}

/** Builds the problem a non-2xx response stands for. */
export async function problemFromResponse(res: Response): Promise<ApiProblem> {
  let raw: unknown
  try {
    raw = JSON.parse(await res.text())
  } catch {
    raw = undefined
  }
  const parsed = problemBody.safeParse(raw)
  if (parsed.success) return new ApiProblem(parsed.data)
  return new ApiProblem({
    type: 'about:blank',
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    detail: res.status >= 500 ? 'Something went wrong on our side. Please try again.' : undefined,
  })
}

/** One sentence for a toast. */
export function problemMessage(e: unknown): string {
  if (isApiProblem(e)) return e.detail ?? e.title
  if (e instanceof Error && e.message) return e.message
  return 'Something went wrong.'
}
