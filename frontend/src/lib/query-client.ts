import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query'
import { isApiProblem, isUnauthorized } from '@/api/problem'
import { notifyError } from './notify'

declare module '@tanstack/react-query' {
  interface Register {
    queryMeta: {
      /** The route guard handles this query's 401 itself (the "who am I" probe). */
      authProbe?: boolean
    }
  }
}

export interface QueryClientOpts {
  /** Called when any request answers 401: the session ended. */
  onUnauthorized: () => void
}

export function createQueryClient({ onUnauthorized }: QueryClientOpts): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (isUnauthorized(error) && !query.meta?.authProbe) onUnauthorized()
      },
    }),
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) => {
        if (isUnauthorized(error)) return onUnauthorized()
        // A mutation with its own onError (a form) decides how to show it.
        if (!mutation.options.onError) notifyError(error)
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // A 4xx will not get better by asking again; a 5xx or a network blip might.
        retry: (failures, error) => failures < 2 && !(isApiProblem(error) && error.status >= 400 && error.status < 500),
      },
    },
  })
}
