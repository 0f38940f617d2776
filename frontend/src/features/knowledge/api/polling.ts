// When the sources list looks again on its own. The server moves a source
// through queued → fetching → indexing → ready | failed in its jobs; the page
// polls only while one of them is still moving, and never invents progress.

/** States in which the server is still working on a source. */
export const workingStates = ['queued', 'fetching', 'indexing'] as const
export type WorkingState = (typeof workingStates)[number]

export function isWorking(status: string): status is WorkingState {
  return (workingStates as readonly string[]).includes(status)
}

/** How soon to look again: fast at first, slower for a long crawl. */
export const POLL_FAST_MS = 1500
export const POLL_SLOW_MS = 5000
/** After this many polls in a row with work still going, slow down. */
export const FAST_POLLS = 40

/**
 * The list's refetch interval: false when nothing is working (the list only
 * changes when someone acts), else fast for the first minute of polling and
 * slower afterwards. `polls` counts refetches since the page last saw no work.
 */
export function pollInterval(sources: ReadonlyArray<{ status: string }> | undefined, polls = 0): number | false {
  if (!sources || !sources.some((s) => isWorking(s.status))) return false
  return polls < FAST_POLLS ? POLL_FAST_MS : POLL_SLOW_MS
}
